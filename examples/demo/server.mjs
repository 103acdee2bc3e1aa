// hyperio demo: a chat room with presence and typing indicators.
//
//   npm start            then open the printed URL in a browser (two tabs to see presence)
//   PORT=4000 npm start  to pick the port (PORT=0 picks a free one)
//
// The page loads the official client bundle that hyperio serves at /socket.io/socket.io.js.
// Apart from serving index.html, this is plain socket.io 4.8 code: the only hyperio-specific
// line is the import.
import { readFileSync } from "node:fs";
import { Server, loadUws } from "hyperio";

const port = Number(process.env.PORT ?? 3000);
const page = readFileSync(new URL("./index.html", import.meta.url));

// One uWebSockets.js App serves both the page and Socket.IO on the same port.
const { uws } = loadUws();
const app = uws.App();
app.get("/", (res) => {
  res.cork(() => res.writeHeader("content-type", "text/html; charset=utf-8").end(page));
});

const io = new Server({ connectionStateRecovery: {} });
io.attachApp(app);
// uWS leaves a request no route matches unanswered: say 404 (routes match most specific first).
app.any("/*", (res) => {
  res.cork(() => res.writeStatus("404 Not Found").end("not found"));
});

/** nickname by socket id, for the presence list */
const nicknames = new Map();

function presence() {
  io.emit("presence", [...new Set(nicknames.values())].sort());
}

io.use((socket, next) => {
  const name = String(socket.handshake.auth?.name ?? "").trim().slice(0, 24);
  if (!name) return next(Object.assign(new Error("a nickname is required"), { data: { field: "name" } }));
  socket.data.name = name;
  next();
});

io.on("connection", (socket) => {
  nicknames.set(socket.id, socket.data.name);
  socket.join("lobby");
  socket.broadcast.emit("system", `${socket.data.name} joined`);
  presence();

  socket.on("chat", (text, ack) => {
    if (typeof text !== "string" || text.length === 0) return ack?.({ ok: false });
    const message = { from: socket.data.name, text: text.slice(0, 500), at: Date.now() };
    io.to("lobby").emit("chat", message);
    ack?.({ ok: true });
  });

  socket.on("typing", (isTyping) => {
    socket.broadcast.to("lobby").volatile.emit("typing", { name: socket.data.name, isTyping: !!isTyping });
  });

  socket.on("disconnect", () => {
    nicknames.delete(socket.id);
    io.emit("system", `${socket.data.name} left`);
    presence();
  });
});

app.listen("127.0.0.1", port, (listenSocket) => {
  if (!listenSocket) {
    console.error(`hyperio demo: port ${port} is in use; try PORT=4000 npm start`);
    process.exit(1);
  }
  const bound = uws.us_socket_local_port(listenSocket);
  console.log(`hyperio demo chat running at http://localhost:${bound}/  (Ctrl+C to stop)`);
});
