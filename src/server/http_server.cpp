#include "server/http_server.h"

#include <pthread.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace qz::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kHeaderLimit = 8 * 1024;

std::string error_body(int code, const char* message) {
  return std::string("{\"code\":") + std::to_string(code) + ",\"msg\":\"" + message + "\"}";
}

}  // namespace

void Responder::operator()(HttpResponse&& response) const {
  if (!state_ || state_->answered.exchange(true)) return;
  state_->send(std::move(response));
}

Responder::State::~State() {
  if (!answered.exchange(true)) {
    send(HttpResponse{.status = 500, .body = error_body(-1000, "The request was dropped without an answer."),
                      .content_type = "application/json", .headers = {}});
  }
}

// Sessions register here so that stop() can close them.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void shut() = 0;  // close the socket (from any thread; posts to the session's strand)
};

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler* handler = nullptr;
  std::vector<std::thread> threads;
  HttpCounters counters;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_id{1};
  std::atomic<int64_t> unanswered{0};  // requests handed to the handler and not yet answered
  uint16_t bound_port = 0;
  bool started = false;
  bool stopped = false;
  std::mutex stop_mutex;

  std::mutex sessions_mutex;
  std::map<uint64_t, std::weak_ptr<SessionBase>> sessions;

  // Last, so destroyed first: handlers still queued in the context hold sessions, whose destructors use the
  // members above.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};

  void add_session(uint64_t id, const std::shared_ptr<SessionBase>& session) {
    std::lock_guard guard(sessions_mutex);
    sessions[id] = session;
  }
  void remove_session(uint64_t id) {
    std::lock_guard guard(sessions_mutex);
    sessions.erase(id);
  }

  void do_accept();
};

namespace {

class WsSession final : public SessionBase, public WsConnection, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(HttpServer::Impl* server, beast::tcp_stream&& stream, uint64_t id)
      : server_(server), ws_(std::move(stream)), id_(id) {
    // Counted from construction, as the destructor uncounts it (an upgrade the handler refuses included).
    server_->counters.ws_open.fetch_add(1);
    server_->counters.connections_open.fetch_add(1);
  }
  ~WsSession() override {
    server_->counters.ws_open.fetch_sub(1);
    server_->counters.connections_open.fetch_sub(1);
    server_->remove_session(id_);
  }

  void start(http::request<http::string_body>&& upgrade) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(30);
    timeouts.idle_timeout = std::chrono::milliseconds(server_->options.ws_idle_timeout_ms);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "qazna"); }));
    ws_.read_message_max(server_->options.ws_max_message_bytes);
    auto self = shared_from_this();
    ws_.async_accept(upgrade, [self](beast::error_code ec) {
      if (ec) return;
      self->accepted_ = true;
      if (!self->queue_.empty()) self->do_write();
      self->do_read();
    });
  }

  // WsConnection
  void send(WsMessage text) override {
    auto self = shared_from_this();
    asio::post(ws_.get_executor(), [self, text = std::move(text)]() mutable { self->enqueue(std::move(text)); });
  }
  void send_all(std::vector<WsMessage> texts) override {
    auto self = shared_from_this();
    asio::post(ws_.get_executor(), [self, texts = std::move(texts)]() mutable {
      for (WsMessage& text : texts) self->enqueue(std::move(text));
    });
  }
  void close() override { shut(); }
  uint64_t id() const override { return id_; }

  // SessionBase
  void shut() override {
    auto self = shared_from_this();
    asio::post(ws_.get_executor(), [self] { self->close_now(); });
  }

 private:
  void do_read() {
    auto self = shared_from_this();
    ws_.async_read(buffer_, [self](beast::error_code ec, size_t) {
      if (ec) {
        self->finish();
        return;
      }
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->server_->handler->on_ws_message(self, std::move(text));
      self->do_read();
    });
  }

  void enqueue(WsMessage&& text) {
    if (closing_ || !text) return;
    queued_bytes_ += text->size();
    queue_.push_back(std::move(text));
    if (queued_bytes_ > server_->options.ws_max_queued_bytes) {
      // A reader this far behind is dropped. The queue stays until a write in flight has finished with it.
      server_->counters.ws_dropped_slow.fetch_add(1);
      close_now();
      return;
    }
    if (accepted_ && queue_.size() == 1) do_write();
  }

  // On the strand.
  void close_now() {
    if (closing_) return;
    closing_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

  void do_write() {
    auto self = shared_from_this();
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front()), [self](beast::error_code ec, size_t) {
      if (ec) {
        self->queue_.clear();
        self->queued_bytes_ = 0;
        self->close_now();
        return;
      }
      self->queued_bytes_ -= self->queue_.front()->size();
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->do_write();
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    server_->handler->on_ws_closed(id_);
  }

  HttpServer::Impl* server_;
  websocket::stream<beast::tcp_stream> ws_;
  uint64_t id_;
  beast::flat_buffer buffer_;
  std::deque<WsMessage> queue_;
  size_t queued_bytes_ = 0;
  bool accepted_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

class HttpSession final : public SessionBase, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer::Impl* server, tcp::socket&& socket, uint64_t id)
      : server_(server), stream_(std::move(socket)), id_(id) {
    beast::error_code ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ip_ = peer.address().to_string();
  }
  ~HttpSession() override {
    if (!upgraded_) server_->counters.connections_open.fetch_sub(1);
    server_->remove_session(id_);
  }

  void start() {
    server_->counters.connections_open.fetch_add(1);
    auto self = shared_from_this();
    asio::dispatch(stream_.get_executor(), [self] { self->do_read(); });
  }

  void shut() override {
    auto self = shared_from_this();
    asio::post(stream_.get_executor(), [self] {
      if (self->busy_) {
        self->close_after_answer_ = true;  // a request in flight is answered first (drain)
        return;
      }
      self->close_socket();
    });
  }

 private:
  void do_read() {
    if (server_->stopping.load()) return close_socket();
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(std::chrono::milliseconds(server_->options.read_timeout_ms));
    auto self = shared_from_this();
    http::async_read(stream_, buffer_, *parser_, [self](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == beast::error::timeout) {
      if (ec == beast::error::timeout && buffer_.size() != 0) server_->counters.bad_requests.fetch_add(1);
      return close_socket();
    }
    if (ec) {
      server_->counters.bad_requests.fetch_add(1);
      int status = 400;
      const char* message = "Malformed request.";
      if (ec == http::error::body_limit) {
        status = 413;
        message = "Request body too large.";
      } else if (ec == http::error::header_limit) {
        status = 431;
        message = "Request header fields too large.";
      }
      return write_error_and_close(status, message);
    }
    http::request<http::string_body> request = parser_->release();
    server_->counters.requests.fetch_add(1);

    if (websocket::is_upgrade(request)) return upgrade(std::move(request));

    HttpRequest out;
    out.method = std::string(request.method_string());
    const std::string_view target(request.target().data(), request.target().size());
    const size_t question = target.find('?');
    out.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
    out.body = std::move(request.body());
    if (const auto it = request.find(http::field::content_type); it != request.end()) {
      out.content_type = std::string(it->value());
    }
    if (const auto it = request.find("X-MBX-APIKEY"); it != request.end()) out.api_key = std::string(it->value());
    out.remote_ip = remote_ip_;
    out.connection_id = id_;
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    busy_ = true;
    server_->unanswered.fetch_add(1);

    auto self = shared_from_this();
    Responder respond([self](HttpResponse&& response) {
      auto shared = std::make_shared<HttpResponse>(std::move(response));
      asio::post(self->stream_.get_executor(), [self, shared] { self->write(std::move(*shared)); });
    });
    server_->handler->handle(std::move(out), std::move(respond));
  }

  void write(HttpResponse&& answer) {
    server_->unanswered.fetch_sub(1);
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(answer.status),
                                                                          version_);
    response->set(http::field::server, "qazna");
    response->set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response->set(name, value);
    response->body() = std::move(answer.body);
    const bool keep = keep_alive_ && !close_after_answer_ && !server_->stopping.load();
    response->keep_alive(keep);
    response->prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(server_->options.read_timeout_ms));
    auto self = shared_from_this();
    http::async_write(stream_, *response, [self, response, keep](beast::error_code ec, size_t) {
      self->busy_ = false;
      if (ec || !keep) return self->close_socket();
      self->do_read();
    });
  }

  void write_error_and_close(int status, const char* message) {
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    response->set(http::field::server, "qazna");
    response->set(http::field::content_type, "application/json");
    response->body() = error_body(-1000 - (status == 400 ? 100 : 0), message);
    response->keep_alive(false);
    response->prepare_payload();
    auto self = shared_from_this();
    http::async_write(stream_, *response, [self, response](beast::error_code, size_t) { self->close_socket(); });
  }

  void upgrade(http::request<http::string_body>&& request) {
    HttpRequest view;
    const std::string_view target(request.target().data(), request.target().size());
    const size_t question = target.find('?');
    view.method = "GET";
    view.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) view.query = std::string(target.substr(question + 1));
    view.remote_ip = remote_ip_;
    view.connection_id = id_;
    upgraded_ = true;
    server_->counters.connections_open.fetch_sub(1);  // the WebSocket session counts itself
    auto ws = std::make_shared<WsSession>(server_, std::move(stream_), id_);
    server_->add_session(id_, ws);
    if (!server_->handler->on_ws_open(view, ws)) {
      ws->shut();
      return;
    }
    ws->start(std::move(request));
  }

  void close_socket() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  HttpServer::Impl* server_;
  beast::tcp_stream stream_;
  uint64_t id_;
  std::string remote_ip_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool close_after_answer_ = false;
  bool upgraded_ = false;
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping.load() && ec != asio::error::operation_aborted) do_accept();
      return;
    }
    counters.connections_total.fetch_add(1);
    if (stopping.load()) return;
    if (counters.connections_open.load() >= options.max_connections) {
      counters.connections_refused.fetch_add(1);
      beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    } else {
      const uint64_t id = next_id.fetch_add(1);
      auto session = std::make_shared<HttpSession>(this, std::move(socket), id);
      add_session(id, session);
      session->start();
    }
    do_accept();
  });
}

HttpServer::HttpServer(const HttpServerOptions& options, Handler* handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->handler = handler;
  if (impl_->options.threads == 0) impl_->options.threads = 1;
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  Impl& impl = *impl_;
  if (impl.started) return Status::error("server: already started");
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(impl.options.address, ec);
  if (ec) return Status::error("server: bad listen address '" + impl.options.address + "'");
  const tcp::endpoint endpoint(address, impl.options.port);
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::error("server: cannot listen on " + impl.options.address + ":" +
                         std::to_string(impl.options.port) + ": " + ec.message());
  }
  impl.bound_port = impl.acceptor.local_endpoint().port();
  impl.work.emplace(asio::make_work_guard(impl.ioc));
  impl.do_accept();
  for (unsigned i = 0; i < impl.options.threads; i++) impl.threads.emplace_back([&impl] {
      pthread_setname_np(pthread_self(), "qz-io");
      impl.ioc.run();
    });
  impl.started = true;
  return Status::ok();
}

void HttpServer::stop() {
  Impl& impl = *impl_;
  std::lock_guard guard(impl.stop_mutex);
  if (!impl.started || impl.stopped) return;
  impl.stopped = true;
  impl.stopping.store(true);
  asio::post(impl.ioc, [&impl] {
    beast::error_code ignored;
    impl.acceptor.close(ignored);
  });
  // Drain: requests already with the handler are answered (up to the grace period).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(impl.options.shutdown_grace_ms);
  while (impl.unanswered.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::vector<std::shared_ptr<SessionBase>> open;
  {
    std::lock_guard sessions_guard(impl.sessions_mutex);
    for (auto& [id, weak] : impl.sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (const auto& session : open) session->shut();
  open.clear();
  impl.work.reset();
  // Give the closes a moment to run, then stop whatever still waits (timers of closed sockets).
  const auto close_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < close_deadline) {
    {
      std::lock_guard sessions_guard(impl.sessions_mutex);
      if (impl.sessions.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  impl.ioc.stop();
  for (std::thread& thread : impl.threads) thread.join();
  impl.threads.clear();
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
const HttpCounters& HttpServer::counters() const { return impl_->counters; }

}  // namespace qz::server
