// The HTTP server's handoffs (src/server/http_server.h): answers built on the I/O threads from another thread's
// batch (Responder::begin_batch/end_batch), and answers given inside Handler::handle, one after another on one
// connection.
#include "server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace qz::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Answers GET /now at once, inside handle(); keeps every other request's responder for the test to answer.
class HoldingHandler final : public Handler {
 public:
  void handle(HttpRequest&& request, Responder respond) override {
    if (request.path == "/now") {
      respond(HttpResponse{.status = 200, .body = "now " + request.query, .content_type = "text/plain", .headers = {}});
      return;
    }
    std::lock_guard guard(mutex_);
    held_.emplace_back(std::stoi(request.query), std::move(respond));
    held_cv_.notify_all();
  }
  bool on_ws_open(const HttpRequest&, const std::shared_ptr<WsConnection>&) override { return false; }
  void on_ws_message(const std::shared_ptr<WsConnection>&, std::string&&) override {}
  void on_ws_closed(uint64_t) override {}

  // The responders of `count` held requests, by the number each request carried.
  std::map<int, Responder> wait_for(size_t count) {
    std::unique_lock lock(mutex_);
    held_cv_.wait_for(lock, std::chrono::seconds(20), [&] { return held_.size() >= count; });
    std::map<int, Responder> out;
    for (auto& [number, respond] : held_) out.emplace(number, std::move(respond));
    held_.clear();
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable held_cv_;
  std::vector<std::pair<int, Responder>> held_;
};

std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; }

// Reads one answer (head and a body of Content-Length bytes) from `socket`; returns its body.
std::string read_answer(tcp::socket& socket, asio::streambuf& buffer) {
  boost::system::error_code ec;
  const size_t head_size = asio::read_until(socket, buffer, "\r\n\r\n", ec);
  if (ec) return "read failed: " + ec.message();
  std::string head(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + head_size);
  buffer.consume(head_size);
  const size_t at = head.find("Content-Length: ");
  if (at == std::string::npos) return "no Content-Length";
  const size_t length = std::stoul(head.substr(at + 16));
  if (buffer.size() < length) asio::read(socket, buffer, asio::transfer_exactly(length - buffer.size()), ec);
  if (ec) return "read failed: " + ec.message();
  std::string body(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + length);
  buffer.consume(length);
  return body;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(HttpServerOptions{.port = 0, .threads = 2}, &handler_);
    ASSERT_TRUE(server_->start().is_ok());
  }
  void TearDown() override { server_->stop(); }

  tcp::socket connect() {
    tcp::socket socket(client_context_);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    return socket;
  }

  HoldingHandler handler_;
  std::unique_ptr<HttpServer> server_;
  asio::io_context client_context_;
};

// Tasks posted inside a batch wait for end_batch, then run on the I/O threads, each thread's in the order they
// were posted, and every connection gets its own answer.
TEST_F(HttpServerTest, ABatchHandsEachIoThreadItsTasksInOrderAtItsEnd) {
  constexpr int kConnections = 24;
  std::vector<tcp::socket> sockets;
  for (int i = 0; i < kConnections; i++) {
    sockets.push_back(connect());
    asio::write(sockets.back(), asio::buffer(get("/held?" + std::to_string(i))));
  }
  std::map<int, Responder> held = handler_.wait_for(kConnections);
  ASSERT_EQ(held.size(), static_cast<size_t>(kConnections));

  // (thread, number), in the order the tasks ran; shared with the tasks, so that a failed check cannot leave a
  // task behind that writes to this frame.
  struct Ran {
    std::mutex mutex;
    std::vector<std::pair<std::thread::id, int>> tasks;
  };
  const auto ran = std::make_shared<Ran>();
  Responder::begin_batch();
  for (const auto& entry : held) {
    const int number = entry.first;
    const Responder respond = entry.second;
    respond.post([ran, respond, number] {
      {
        std::lock_guard guard(ran->mutex);
        ran->tasks.emplace_back(std::this_thread::get_id(), number);
      }
      respond(HttpResponse{
          .status = 200, .body = "held " + std::to_string(number), .content_type = "text/plain", .headers = {}});
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard guard(ran->mutex);
    EXPECT_TRUE(ran->tasks.empty()) << "a task ran before the batch ended";
  }
  Responder::end_batch();

  for (int i = 0; i < kConnections; i++) {
    asio::streambuf buffer;
    EXPECT_EQ(read_answer(sockets[static_cast<size_t>(i)], buffer), "held " + std::to_string(i));
  }
  std::lock_guard guard(ran->mutex);
  EXPECT_EQ(ran->tasks.size(), static_cast<size_t>(kConnections));
  std::map<std::thread::id, int> last;  // per I/O thread, the number of the task it ran last
  for (const auto& [thread, number] : ran->tasks) {
    EXPECT_NE(thread, std::this_thread::get_id());
    const auto it = last.find(thread);
    if (it != last.end()) {
      EXPECT_LT(it->second, number) << "tasks ran out of the order they were posted";
    }
    last[thread] = number;
  }
  EXPECT_EQ(last.size(), 2u);  // connections go to the two I/O threads in turn
}

// Outside a batch a posted task runs at once, and its answer is written from the I/O thread.
TEST_F(HttpServerTest, APostOutsideABatchRunsAtOnce) {
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(get("/held?7")));
  std::map<int, Responder> held = handler_.wait_for(1);
  ASSERT_EQ(held.size(), 1u);
  Responder respond = held.begin()->second;
  const auto ran_on = std::make_shared<std::atomic<std::thread::id>>();
  respond.post([respond, ran_on] {
    ran_on->store(std::this_thread::get_id());
    respond(HttpResponse{.status = 200, .body = "seven", .content_type = "text/plain", .headers = {}});
  });
  asio::streambuf buffer;
  EXPECT_EQ(read_answer(socket, buffer), "seven");
  EXPECT_NE(ran_on->load(), std::thread::id());
  EXPECT_NE(ran_on->load(), std::this_thread::get_id());
}

// Requests sent in one write, each answered inside handle() (written at once, on the I/O thread): every answer
// comes, in order, and the connection serves on.
TEST_F(HttpServerTest, PipelinedRequestsAnsweredInsideHandleComeInOrder) {
  // Small enough (about 20 KB of requests, 50 KB of answers) for loopback's buffers to hold it all, so the burst
  // is written whole before the answers are read.
  constexpr int kRequests = 500;
  tcp::socket socket = connect();
  std::string burst;
  for (int i = 0; i < kRequests; i++) burst += get("/now?" + std::to_string(i));
  asio::write(socket, asio::buffer(burst));
  asio::streambuf buffer;
  for (int i = 0; i < kRequests; i++) {
    const std::string body = read_answer(socket, buffer);
    ASSERT_EQ(body, "now " + std::to_string(i));
  }
  // The connection still serves.
  asio::write(socket, asio::buffer(get("/now?last")));
  EXPECT_EQ(read_answer(socket, buffer), "now last");
}

}  // namespace
}  // namespace qz::server
