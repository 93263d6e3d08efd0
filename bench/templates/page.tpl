% rebase('base.tpl', title=title)
  <table>
    <thead>
      <tr><th>id</th><th>name</th></tr>
    </thead>
    <tbody>
% for row in rows:
      <tr><td>{{row.id}}</td><td>{{row.name}}</td></tr>
% end
    </tbody>
  </table>
