// The live view: new posts appear at the top of the list without a reload.
//
// The index page's <ul id="posts" data-live="..."> names the WebSocket (only on the
// first page of all posts). Each message is a new post as JSON: {id, title, author, url}.
// Under a WSGI server there is no WebSocket: the connection fails and the page simply
// stays as it is.
(function () {
  "use strict";

  const list = document.getElementById("posts");
  if (!list || !list.dataset.live || !("WebSocket" in window)) {
    return;
  }
  const status = document.getElementById("live-status");

  // Same host and port as the page, ws:// or wss:// to match http:// or https://.
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const path = new URL(list.dataset.live, location.href).pathname;
  const socket = new WebSocket(scheme + "//" + location.host + path);

  socket.addEventListener("open", function () {
    if (status) {
      status.hidden = false;
    }
  });

  socket.addEventListener("message", function (event) {
    let post;
    try {
      post = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (list.querySelector('li.post[data-id="' + Number(post.id) + '"]')) {
      return; // already shown
    }
    list.prepend(renderPost(post));
    const empty = document.querySelector("p.empty");
    if (empty) {
      empty.remove();
    }
  });

  socket.addEventListener("close", function () {
    // Gone (server restarted, or no WebSocket support): no live updates, nothing else changes.
    if (status) {
      status.hidden = true;
    }
  });

  // Build the same markup as the server's list; textContent keeps titles plain text.
  function renderPost(post) {
    const item = document.createElement("li");
    item.className = "post new";
    item.dataset.id = String(post.id);

    const link = document.createElement("a");
    link.className = "title";
    link.href = post.url;
    link.textContent = post.title;

    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = "by " + post.author + " · just now";

    item.append(link, " ", meta);
    return item;
  }
})();
