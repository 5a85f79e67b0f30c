#include "server/http_server.h"

#include <pthread.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <span>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/assert.h"
#include "server/http_parse.h"
#include "server/log.h"
#include "server/ws_frames.h"

namespace qz::server {

unsigned default_io_threads() {
  const unsigned cores = std::thread::hardware_concurrency();
  return std::clamp(cores, 1u, 8u);
}

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr size_t kHeaderLimit = 8 * 1024;

std::string error_body(int code, const char* message) {
  return std::string("{\"code\":") + std::to_string(code) + ",\"msg\":\"" + message + "\"}";
}

// The tasks a thread posts between Responder::begin_batch and end_batch, by I/O thread (context), each
// context's in the order they were posted.
struct PostBatch {
  bool open = false;
  std::vector<std::pair<asio::io_context*, std::vector<Responder::Task>>> shares;
};
thread_local PostBatch t_post_batch;

// Runs `task` on `context`'s thread: posted now, or at the end of this thread's batch.
void post_to(asio::io_context* context, Responder::Task task) {
  PostBatch& batch = t_post_batch;
  if (!batch.open) return asio::post(*context, std::move(task));
  for (auto& [target, tasks] : batch.shares) {
    if (target == context) {
      tasks.push_back(std::move(task));
      return;
    }
  }
  batch.shares.emplace_back(context, std::vector<Responder::Task>()).second.push_back(std::move(task));
}

}  // namespace

void Responder::begin_batch() {
  QZ_ASSERT(!t_post_batch.open);
  t_post_batch.open = true;
}

void Responder::end_batch() {
  PostBatch& batch = t_post_batch;
  QZ_ASSERT(batch.open);
  batch.open = false;
  for (auto& [context, tasks] : batch.shares) {
    if (tasks.empty()) continue;
    asio::post(*context, [tasks = std::move(tasks)]() mutable {
      for (Responder::Task& task : tasks) task();
    });
    tasks = {};
  }
}

void Responder::operator()(HttpResponse&& response) const {
  if (!state_ || state_->answered.exchange(true)) return;
  state_->send(std::move(response));
}

void Responder::post(Task task) const {
  if (state_ && state_->post) return state_->post(std::move(task));
  task();
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
  virtual void shut() = 0;  // close the socket (from any thread; posts to the session's context)
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

  // One context per I/O thread, each run by its thread alone: a connection lives on one context, so its handlers
  // never run concurrently without a strand, and the threads share no scheduler lock, no epoll set and no
  // wake-ups of each other. New connections go to the contexts in turn; the acceptor is on the first.
  // Last, so destroyed first: handlers still queued in a context hold sessions, whose destructors use the
  // members above.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  size_t next_context = 0;  // the accept handler's alone

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

// A WebSocket connection after the HTTP upgrade: RFC 6455 framing done here (ws_frames.h) rather than by
// Beast's stream, so that every queued message goes out in one gather write (a subscriber that gets a block's
// trades and diffs costs one system call, not one per message).
class WsSession final : public SessionBase, public WsConnection, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(HttpServer::Impl* server, tcp::socket&& socket, uint64_t id)
      : server_(server),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        id_(id),
        reader_(server->options.ws_max_message_bytes),
        in_(reader_.max_frame_bytes() + 4096) {
    // Counted from construction, as the destructor uncounts it (an upgrade the handler refuses included).
    server_->counters.ws_open.fetch_add(1);
    server_->counters.connections_open.fetch_add(1);
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
  }
  ~WsSession() override {
    server_->counters.ws_open.fetch_sub(1);
    server_->counters.connections_open.fetch_sub(1);
    server_->remove_session(id_);
  }

  // Answers the upgrade request (101, or 400 when its handshake headers are wrong), then reads frames.
  // `leftover`: bytes the client sent after its request.
  void start(std::string_view key, std::string_view version, std::string_view leftover) {
    uint8_t decoded[16];
    size_t decoded_size = 0;
    const bool key_ok = key.size() == 24 && sodium_base642bin(decoded, sizeof decoded, key.data(), key.size(), nullptr,
                                                              &decoded_size, nullptr,
                                                              sodium_base64_VARIANT_ORIGINAL) == 0 &&
                        decoded_size == 16;
    if (!key_ok || version != "13") {
      return answer_and_close(
          "HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    handshake_ = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nServer: qazna\r\n"
                 "Sec-WebSocket-Accept: " + ws_accept_key(key) + "\r\n\r\n";
    if (leftover.size() > in_.size()) in_.resize(leftover.size());  // frames sent before the 101 arrived
    std::memcpy(in_.data(), leftover.data(), leftover.size());
    filled_ = leftover.size();
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(handshake_), [self](error_code ec, size_t) {
      if (ec || self->closing_) return self->close_now();
      self->accepted_ = true;
      self->last_heard_ = std::chrono::steady_clock::now();
      self->arm_timer();
      if (self->filled_ > 0) self->on_bytes();
      if (!self->queue_.empty() && !self->writing_) self->do_write();
      if (!self->reader_.failed()) self->do_read();
    });
  }

  // The handler refused the upgrade (not a stream endpoint).
  void refuse() {
    finished_ = true;  // never opened: the handler hears nothing more of it
    auto self = shared_from_this();
    asio::dispatch(socket_.get_executor(), [self] {
      self->answer_and_close("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
  }

  // WsConnection
  void send(WsMessage text) override {
    auto self = shared_from_this();
    asio::post(socket_.get_executor(), [self, text = std::move(text)]() mutable { self->enqueue(std::move(text)); });
  }
  void send_all(std::vector<WsMessage> texts) override {
    auto self = shared_from_this();
    asio::post(socket_.get_executor(), [self, texts = std::move(texts)]() mutable {
      for (WsMessage& text : texts) self->enqueue(std::move(text));
    });
  }
  void close() override { shut(); }
  uint64_t id() const override { return id_; }

  // SessionBase
  void shut() override {
    auto self = shared_from_this();
    asio::post(socket_.get_executor(), [self] { self->close_now(); });
  }

 private:
  static constexpr size_t kMaxFramesPerWrite = 256;

  struct Frame {
    uint8_t head[10];
    uint8_t head_size = 0;
    WsMessage text;       // a data frame's payload, shared with the other subscribers
    std::string control;  // a control frame's payload
    size_t payload_size() const { return text ? text->size() : control.size(); }
  };

  void do_read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(in_.data() + filled_, in_.size() - filled_),
                            [self](error_code ec, size_t n) {
                              if (ec || self->closing_) return self->close_now();
                              self->filled_ += n;
                              self->last_heard_ = std::chrono::steady_clock::now();
                              self->on_bytes();
                              if (!self->reader_.failed() && !self->closing_) self->do_read();
                            });
  }

  void on_bytes() {
    events_.clear();
    const size_t used = reader_.feed(std::span<const uint8_t>(in_.data(), filled_), &events_);
    std::memmove(in_.data(), in_.data() + used, filled_ - used);
    filled_ -= used;
    for (WsEvent& event : events_) {
      switch (event.kind) {
        case WsEvent::Kind::text:
        case WsEvent::Kind::binary:
          server_->handler->on_ws_message(shared_from_this(), std::move(event.payload));
          break;
        case WsEvent::Kind::ping:
          queue_control(kWsPong, std::move(event.payload));
          break;
        case WsEvent::Kind::pong:
          break;
        case WsEvent::Kind::close:
          // Echo the peer's code (none if it sent none), then close once it is written.
          queue_control(kWsClose, event.code == 1005 ? std::string() : close_payload(event.code));
          close_after_write_ = true;
          break;
        case WsEvent::Kind::error:
          queue_control(kWsClose, close_payload(event.code));
          close_after_write_ = true;
          break;
      }
    }
  }

  static std::string close_payload(uint16_t code) {
    return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  }

  void enqueue(WsMessage&& text) {
    if (closing_ || close_after_write_ || !text) return;
    Frame& frame = queue_.emplace_back();
    frame.head_size = static_cast<uint8_t>(ws_frame_header(kWsText, text->size(), frame.head));
    queued_bytes_ += text->size();
    frame.text = std::move(text);
    if (queued_bytes_ > server_->options.ws_max_queued_bytes) {
      // A reader this far behind is dropped.
      server_->counters.ws_dropped_slow.fetch_add(1);
      LogLine(LogLevel::warn, "ws_dropped_slow").field("connection", id_).field("queued_bytes", queued_bytes_);
      close_now();
      return;
    }
    if (accepted_ && !writing_) do_write();
  }

  void queue_control(uint8_t opcode, std::string payload) {
    if (closing_) return;
    Frame& frame = queue_.emplace_back();
    frame.head_size = static_cast<uint8_t>(ws_frame_header(opcode, payload.size(), frame.head));
    queued_bytes_ += payload.size();
    frame.control = std::move(payload);
    // Pings answered but never read count against the same limit as data (a client cannot grow the queue).
    if (queued_bytes_ + queue_.size() * sizeof(Frame) > server_->options.ws_max_queued_bytes) {
      server_->counters.ws_dropped_slow.fetch_add(1);
      close_now();
      return;
    }
    if (accepted_ && !writing_) do_write();
  }

  // Writes up to kMaxFramesPerWrite queued frames in one gather write.
  void do_write() {
    writing_ = true;
    buffers_.clear();
    size_t frames = 0;
    for (const Frame& frame : queue_) {
      if (frames == kMaxFramesPerWrite) break;
      buffers_.push_back(asio::buffer(frame.head, frame.head_size));
      if (frame.payload_size() != 0) {
        buffers_.push_back(frame.text ? asio::buffer(*frame.text) : asio::buffer(frame.control));
      }
      frames++;
    }
    auto self = shared_from_this();
    asio::async_write(socket_, buffers_, [self, frames](error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->close_now();
      for (size_t i = 0; i < frames; i++) {
        self->queued_bytes_ -= self->queue_.front().payload_size();
        self->queue_.pop_front();
      }
      if (self->closing_) return;
      if (!self->queue_.empty()) return self->do_write();
      if (self->close_after_write_) self->close_now();
    });
  }

  // Pings a quiet client at half the idle timeout; closes it when nothing came for the whole timeout.
  void arm_timer() {
    if (server_->options.ws_idle_timeout_ms == 0) return;  // no idle timeout
    const auto idle = std::chrono::milliseconds(server_->options.ws_idle_timeout_ms);
    timer_.expires_after(idle / 2);
    auto self = shared_from_this();
    timer_.async_wait([self, idle](error_code ec) {
      if (ec || self->closing_) return;
      const auto quiet = std::chrono::steady_clock::now() - self->last_heard_;
      if (quiet >= idle) return self->close_now();
      if (quiet >= idle / 2 && !self->close_after_write_) self->queue_control(kWsPing, std::string());
      self->arm_timer();
    });
  }

  void answer_and_close(std::string text) {
    handshake_ = std::move(text);
    closing_ = true;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(handshake_), [self](error_code, size_t) {
      self->closing_ = false;
      self->close_now();
    });
  }

  // On the session's context.
  void close_now() {
    if (closing_) return;
    closing_ = true;
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (!finished_) {
      finished_ = true;
      server_->handler->on_ws_closed(id_);
    }
  }

  HttpServer::Impl* server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  uint64_t id_;
  WsFrameReader reader_;
  std::vector<uint8_t> in_;  // received bytes not yet decoded
  size_t filled_ = 0;
  std::vector<WsEvent> events_;
  std::string handshake_;
  std::deque<Frame> queue_;
  std::vector<asio::const_buffer> buffers_;  // of the write in flight
  size_t queued_bytes_ = 0;
  std::chrono::steady_clock::time_point last_heard_ = std::chrono::steady_clock::now();
  bool accepted_ = false;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

// One HTTP/1.1 connection: requests parsed in place from one buffer (http_parse.h), one at a time; each answer
// goes out as one gather write of its head and body. Bytes a client sends ahead (pipelining) wait in the buffer
// and are parsed once the answer before them is written.
class HttpSession final : public SessionBase, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer::Impl* server, asio::io_context* context, tcp::socket&& socket, uint64_t id)
      : server_(server),
        context_(context),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        id_(id),
        limits_{.max_head_bytes = kHeaderLimit, .max_body_bytes = server->options.max_body_bytes},
        // A whole request fits: its head, its body, and the framing of a chunked body.
        buffer_limit_(kHeaderLimit + 2 * server->options.max_body_bytes + 4096) {
    error_code ec;
    const tcp::endpoint peer = socket_.remote_endpoint(ec);
    if (!ec) remote_ip_ = peer.address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);
  }
  ~HttpSession() override {
    if (upgraded_) return;  // the WebSocket session took over the id (and the count)
    server_->counters.connections_open.fetch_sub(1);
    server_->remove_session(id_);
  }

  void start() {
    server_->counters.connections_open.fetch_add(1);
    deadline_ = Clock::now() + timeout();
    auto self = shared_from_this();
    asio::dispatch(socket_.get_executor(), [self] {
      self->arm_timer();
      self->do_read();
    });
  }

  void shut() override {
    auto self = shared_from_this();
    asio::post(socket_.get_executor(), [self] {
      if (self->busy_) {
        self->close_after_answer_ = true;  // a request in flight is answered first (drain)
        return;
      }
      self->close_socket();
    });
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kReadChunk = 4096;

  Clock::duration timeout() const { return std::chrono::milliseconds(server_->options.read_timeout_ms); }

  // A request must arrive, and an answer be taken, within the read timeout; a request with the handler waits.
  void arm_timer() {
    timer_.expires_at(deadline_);
    auto self = shared_from_this();
    timer_.async_wait([self](error_code ec) {
      if (ec || self->closed_) return;
      if (self->with_handler_) self->deadline_ = Clock::now() + self->timeout();
      if (self->with_handler_ || Clock::now() < self->deadline_) return self->arm_timer();
      if (self->filled_ != 0) self->server_->counters.bad_requests.fetch_add(1);
      self->close_socket();
    });
  }

  void do_read() {
    if (server_->stopping.load()) return close_socket();
    if (in_.size() - filled_ < kReadChunk) {
      in_.resize(std::min(buffer_limit_, std::max(in_.size() * 2, filled_ + kReadChunk)));
    }
    if (filled_ == in_.size()) return refuse(413, "Request body too large.");
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(in_.data() + filled_, in_.size() - filled_),
                            [self](error_code ec, size_t n) {
                              if (ec) {
                                if (ec != asio::error::eof && ec != asio::error::connection_reset &&
                                    ec != asio::error::operation_aborted && self->filled_ != 0) {
                                  self->server_->counters.bad_requests.fetch_add(1);
                                }
                                return self->close_socket();
                              }
                              self->filled_ += n;
                              self->process();
                            });
  }

  // Takes the next whole request from the buffer to the handler, or reads on.
  void process() {
    const std::string_view bytes(in_.data(), filled_);
    HttpRequestHead head;
    HttpParseError error;
    switch (parse_request_head(bytes, limits_, &head, &error)) {
      case HttpParse::incomplete: return do_read();
      case HttpParse::error: return refuse(error.status, error.message);
      case HttpParse::complete: break;
    }
    std::string body;
    size_t body_size = 0;
    const std::string_view after_head = bytes.substr(head.head_size);
    if (head.chunked) {
      switch (decode_chunked_body(after_head, limits_, &body, &body_size, &error)) {
        case HttpParse::incomplete: return continue_then_read(head);
        case HttpParse::error: return refuse(error.status, error.message);
        case HttpParse::complete: break;
      }
    } else {
      if (after_head.size() < head.content_length) return continue_then_read(head);
      body_size = head.content_length;
      body.assign(after_head.substr(0, body_size));
    }
    request_size_ = head.head_size + body_size;
    server_->counters.requests.fetch_add(1);
    if (head.websocket_upgrade) return upgrade(head, bytes.substr(request_size_));

    HttpRequest out;
    out.method = std::string(head.method);
    const size_t question = head.target.find('?');
    out.path = std::string(head.target.substr(0, question));
    if (question != std::string_view::npos) out.query = std::string(head.target.substr(question + 1));
    out.body = std::move(body);
    out.api_key = std::string(head.api_key);
    out.remote_ip = remote_ip_;
    out.connection_id = id_;
    keep_alive_ = head.keep_alive;
    minor_version_ = head.minor_version;
    head_only_ = head.method == "HEAD";
    busy_ = true;
    with_handler_ = true;
    server_->unanswered.fetch_add(1);

    auto self = shared_from_this();
    Responder respond(
        [self](HttpResponse&& response) {
          // On the session's own I/O thread the answer is written at once (write's completion, which takes the
          // next request, is posted as every completion is); from another thread it is posted.
          if (self->context_->get_executor().running_in_this_thread()) return self->write(std::move(response));
          auto shared = std::make_shared<HttpResponse>(std::move(response));
          asio::post(*self->context_, [self, shared] { self->write(std::move(*shared)); });
        },
        [self](Responder::Task task) { post_to(self->context_, std::move(task)); });
    server_->handler->handle(std::move(out), std::move(respond));
  }

  // A client that waits for "100 Continue" before its body gets it once (a small write, done in place).
  void continue_then_read(const HttpRequestHead& head) {
    if (head.expect_continue && head.minor_version == 1 && !continued_) {
      continued_ = true;
      error_code ignored;
      asio::write(socket_, asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")), ignored);
    }
    do_read();
  }

  void write(HttpResponse&& answer) {
    server_->unanswered.fetch_sub(1);
    with_handler_ = false;
    const bool keep = keep_alive_ && !close_after_answer_ && !server_->stopping.load();
    out_head_.clear();
    append_response_head(&out_head_, minor_version_, answer.status, answer.content_type.view(), answer.headers,
                         answer.body.size(), keep);
    out_body_ = std::move(answer.body);
    if (head_only_) out_body_.clear();
    deadline_ = Clock::now() + timeout();
    const std::array<asio::const_buffer, 2> buffers = {asio::buffer(out_head_), asio::buffer(out_body_)};
    auto self = shared_from_this();
    asio::async_write(socket_, buffers, [self, keep](error_code ec, size_t) {
      self->busy_ = false;
      if (ec || !keep) return self->close_socket();
      self->next_request();
    });
  }

  // Drops the answered request's bytes; a request that came after it is taken at once.
  void next_request() {
    std::memmove(in_.data(), in_.data() + request_size_, filled_ - request_size_);
    filled_ -= request_size_;
    request_size_ = 0;
    continued_ = false;
    deadline_ = Clock::now() + timeout();
    if (server_->stopping.load() || close_after_answer_) return close_socket();
    if (filled_ != 0) return process();
    do_read();
  }

  // Bad input: an error answer, then the connection closes.
  void refuse(int status, const char* message) {
    server_->counters.bad_requests.fetch_add(1);
    out_head_.clear();
    out_body_ = error_body(-1000 - (status == 400 ? 100 : 0), message);
    append_response_head(&out_head_, 1, status, "application/json", {}, out_body_.size(), false);
    const std::array<asio::const_buffer, 2> buffers = {asio::buffer(out_head_), asio::buffer(out_body_)};
    auto self = shared_from_this();
    asio::async_write(socket_, buffers, [self](error_code, size_t) { self->close_socket(); });
  }

  void upgrade(const HttpRequestHead& head, std::string_view leftover) {
    HttpRequest view;
    const size_t question = head.target.find('?');
    view.method = "GET";
    view.path = std::string(head.target.substr(0, question));
    if (question != std::string_view::npos) view.query = std::string(head.target.substr(question + 1));
    view.remote_ip = remote_ip_;
    view.connection_id = id_;
    upgraded_ = true;
    closed_ = true;  // this session's timer and reads end here
    timer_.cancel();
    server_->counters.connections_open.fetch_sub(1);  // the WebSocket session counts itself
    const std::string key(head.websocket_key);
    const std::string version(head.websocket_version);
    const std::string early(leftover);
    auto ws = std::make_shared<WsSession>(server_, std::move(socket_), id_);
    server_->add_session(id_, ws);
    if (!server_->handler->on_ws_open(view, ws)) return ws->refuse();
    ws->start(key, version, early);
  }

  void close_socket() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  HttpServer::Impl* server_;
  asio::io_context* context_;  // the I/O thread's, which runs this session
  tcp::socket socket_;
  asio::steady_timer timer_;
  uint64_t id_;
  HttpLimits limits_;
  size_t buffer_limit_;
  std::string remote_ip_;
  std::vector<char> in_;  // received bytes: the request being handled first
  size_t filled_ = 0;
  size_t request_size_ = 0;  // bytes of the request with the handler
  std::string out_head_;
  std::string out_body_;
  Clock::time_point deadline_{};
  int minor_version_ = 1;
  bool keep_alive_ = true;
  bool head_only_ = false;
  bool busy_ = false;          // a request is with the handler or its answer is being written
  bool with_handler_ = false;  // a request is with the handler
  bool continued_ = false;
  bool close_after_answer_ = false;
  bool upgraded_ = false;
  bool closed_ = false;
};

}  // namespace

void HttpServer::Impl::do_accept() {
  asio::io_context& context = *contexts[next_context];
  next_context = (next_context + 1) % contexts.size();
  acceptor->async_accept(context.get_executor(), [this, context = &context](error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping.load() && ec != asio::error::operation_aborted) do_accept();
      return;
    }
    counters.connections_total.fetch_add(1);
    if (stopping.load()) return;
    if (counters.connections_open.load() >= options.max_connections) {
      counters.connections_refused.fetch_add(1);
      error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    } else {
      const uint64_t id = next_id.fetch_add(1);
      auto session = std::make_shared<HttpSession>(this, context, std::move(socket), id);
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
  for (unsigned i = 0; i < impl_->options.threads; i++) {
    // Concurrency hint 1: the context is run by one thread, so work it posts to itself skips the shared queue.
    impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
  }
  impl_->acceptor.emplace(*impl_->contexts.front());
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  Impl& impl = *impl_;
  if (impl.started) return Status::error("server: already started");
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(impl.options.address, ec);
  if (ec) return Status::error("server: bad listen address '" + impl.options.address + "'");
  const tcp::endpoint endpoint(address, impl.options.port);
  impl.acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor->bind(endpoint, ec);
  if (!ec) impl.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::error("server: cannot listen on " + impl.options.address + ":" +
                         std::to_string(impl.options.port) + ": " + ec.message());
  }
  impl.bound_port = impl.acceptor->local_endpoint().port();
  for (const auto& context : impl.contexts) impl.work.push_back(asio::make_work_guard(*context));
  impl.do_accept();
  for (const auto& context : impl.contexts) {
    impl.threads.emplace_back([context = context.get()] {
      pthread_setname_np(pthread_self(), "qz-io");
      context->run();
    });
  }
  impl.started = true;
  return Status::ok();
}

void HttpServer::stop() {
  Impl& impl = *impl_;
  std::lock_guard guard(impl.stop_mutex);
  if (!impl.started || impl.stopped) return;
  impl.stopped = true;
  impl.stopping.store(true);
  asio::post(*impl.contexts.front(), [&impl] {
    error_code ignored;
    impl.acceptor->close(ignored);
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
  impl.work.clear();
  // Give the closes a moment to run, then stop whatever still waits (timers of closed sockets).
  const auto close_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < close_deadline) {
    {
      std::lock_guard sessions_guard(impl.sessions_mutex);
      if (impl.sessions.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (const auto& context : impl.contexts) context->stop();
  for (std::thread& thread : impl.threads) thread.join();
  impl.threads.clear();
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
const HttpCounters& HttpServer::counters() const { return impl_->counters; }

}  // namespace qz::server
