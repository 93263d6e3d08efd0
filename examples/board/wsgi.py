"""The board app object for production servers, WSGI and ASGI alike (run from this folder,
or point the server at it: see README.md):

    gunicorn --chdir examples/board wsgi:app
    granian --interface asgi --working-dir examples/board wsgi:app
"""

from board import create_app

app = create_app()
