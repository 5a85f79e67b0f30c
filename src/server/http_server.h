// HTTP/1.1 and WebSocket on one port over Asio (requests parsed by http_parse.h, frames by ws_frames.h): the
// transport of `qazna serve`. It knows nothing of routes or trading: every request goes to a Handler, which
// answers through a Responder from any thread.
//
// Connections: keep-alive, one request at a time per connection (the next is read once the answer is written).
// Bad or hostile input never reaches the handler and never harms other clients: a header block over 8 KiB, a
// body over max_body_bytes, a request that does not arrive within the read timeout (slow clients), or more
// than max_connections at once are refused with a status and the connection closed.
// Shutdown (stop): stop accepting, let requests in flight be answered (drained) up to a grace period, then
// close everything and join the threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "server/http_parse.h"

namespace qz::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ... (upper case, as sent)
  std::string path;    // the target before '?', still percent-encoded
  std::string query;   // the raw query string after '?', without it ("" when none)
  std::string body;
  std::string api_key;  // the X-MBX-APIKEY header ("" when absent)
  std::string remote_ip;  // the peer's address, as text
  uint64_t connection_id = 0;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  // The server's content types are string literals: a view, not a copy in every answer.
  LiteralText content_type = "application/json";
  std::vector<HttpHeader> headers;  // extra headers (rate limits, Retry-After)
};

// Answers a request exactly once, from any thread. Dropping it unanswered answers 500.
class Responder {
 public:
  using Task = std::function<void()>;
  Responder() = default;
  explicit Responder(std::function<void(HttpResponse&&)> send, std::function<void(Task)> post = nullptr)
      : state_(std::make_shared<State>(std::move(send), std::move(post))) {}
  void operator()(HttpResponse&& response) const;
  // Runs `task` on the connection's I/O thread (in place when the responder has none): for work that builds an
  // answer, so that the journal's writer and the projector only hand results over.
  void post(Task task) const;
  // Between begin_batch and end_batch the tasks this thread posts wait, and end_batch hands each I/O thread its
  // share in one handoff, in the order they were posted: for a thread that answers many requests at once (the
  // journal's, around a commit's callbacks). Batches do not nest.
  static void begin_batch();
  static void end_batch();

 private:
  struct State {
    State(std::function<void(HttpResponse&&)> send_fn, std::function<void(Task)> post_fn)
        : send(std::move(send_fn)), post(std::move(post_fn)) {}
    ~State();
    std::function<void(HttpResponse&&)> send;
    std::function<void(Task)> post;
    std::atomic<bool> answered{false};
  };
  std::shared_ptr<State> state_;
};

// One WebSocket connection as the handler sees it. send() may be called from any thread; messages are written
// in order. A client that reads too slowly (more than max_queued_bytes waiting) is disconnected. A message is
// shared: one buffer for every subscriber it goes to.
using WsMessage = std::shared_ptr<const std::string>;
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  virtual void send(WsMessage text) = 0;
  virtual void send_all(std::vector<WsMessage> texts) = 0;  // in order, handed to the socket's thread at once
  virtual void close() = 0;
  virtual uint64_t id() const = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual void handle(HttpRequest&& request, Responder respond) = 0;
  // A WebSocket upgrade to request.path/query: return false to refuse it (404). On true, the connection is
  // open and on_ws_message / on_ws_closed follow for it.
  virtual bool on_ws_open(const HttpRequest& request, const std::shared_ptr<WsConnection>& connection) = 0;
  virtual void on_ws_message(const std::shared_ptr<WsConnection>& connection, std::string&& text) = 0;
  virtual void on_ws_closed(uint64_t connection_id) = 0;
};

// The I/O threads of qazna serve and demo when not told: one per core, at most 8. Measured on two cores with
// bench_load (64 connections): two threads placed 10-20% more orders per second than one, at a lower p50.
unsigned default_io_threads();

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port (see HttpServer::port)
  unsigned threads = 1;  // I/O threads (default_io_threads() for qazna serve and demo)
  size_t max_body_bytes = 64 * 1024;
  size_t max_connections = 4096;
  // A whole request must arrive within this, counted from the end of the previous answer (so it is also how
  // long an idle keep-alive connection stays open).
  unsigned read_timeout_ms = 30'000;
  unsigned ws_idle_timeout_ms = 180'000;  // the server pings an idle WebSocket, and closes it if no pong comes (0: never)
  size_t ws_max_message_bytes = 4096;
  size_t ws_max_queued_bytes = 8 * 1024 * 1024;
  unsigned shutdown_grace_ms = 5'000;
};

struct HttpCounters {
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bad_requests{0};  // refused by the transport (malformed, oversized, too slow)
  std::atomic<uint64_t> ws_open{0};
  std::atomic<uint64_t> ws_dropped_slow{0};
};

class HttpServer {
 public:
  HttpServer(const HttpServerOptions& options, Handler* handler);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the I/O threads.
  [[nodiscard]] Status start();
  // Stops accepting, drains, closes every connection, joins the threads. Idempotent.
  void stop();
  uint16_t port() const;
  const HttpCounters& counters() const;

  struct Impl;  // http_server.cpp only (public so that its sessions may name it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace qz::server
