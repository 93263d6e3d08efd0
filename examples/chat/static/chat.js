// Connect to the room's WebSocket (same host, ws:// or wss://) and show each message.
const list = document.getElementById("messages");
const url = new URL(list.dataset.socket);
url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(url);

socket.addEventListener("message", (event) => {
  const message = JSON.parse(event.data);
  const item = document.createElement("li");
  if (message.from) {
    const who = document.createElement("b");
    who.textContent = message.from;
    item.append(who, message.text);
  } else {
    item.className = "notice";
    item.textContent = message.text;
  }
  list.append(item);
});

document.getElementById("send").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  socket.send(JSON.stringify({ text: input.value }));
  input.value = "";
});
