// The venue end to end over real HTTP on 127.0.0.1: the demo venue's markets and keys, the public routes, signed
// routes with every authentication refusal, orders placed, filled and cancelled, and the transport's refusals
// of malformed, oversized and slow requests.
#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <simdjson.h>
#include <sodium.h>
#include <filesystem>
#include <sstream>
#include <string>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "history/history.h"
#include "journal/journal.h"
#include "server/api_keys.h"
#include "server/demo_venue.h"
#include "server/streams.h"
#include "sqlite/sqlite.h"
#include "server/venue.h"

namespace qz::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string body;
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::map<std::string, std::string> headers;
};

// One keep-alive connection.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    tcp::resolver resolver(io_);
    asio::connect(socket_, resolver.resolve("127.0.0.1", std::to_string(port)));
  }
  Reply request(http::verb verb, const std::string& target, const std::string& body = "",
                const std::string& api_key = "") {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!api_key.empty()) request.set("X-MBX-APIKEY", api_key);
    if (!body.empty()) request.set(http::field::content_type, "application/x-www-form-urlencoded");
    request.body() = body;
    request.prepare_payload();
    http::write(socket_, request);
    return read();
  }
  Reply read() {
    http::response<http::string_body> response;
    beast::error_code ec;
    http::read(socket_, buffer_, response, ec);
    Reply reply;
    if (ec) return reply;
    reply.status = static_cast<int>(response.result_int());
    reply.body = response.body();
    for (const auto& field : response) reply.headers[std::string(field.name_string())] = std::string(field.value());
    return reply;
  }
  void send_raw(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  size_t read_some(char* into, size_t size) { return socket_.read_some(asio::buffer(into, size)); }
  // True when the server closed the connection (reads end of stream).
  bool closed_by_server() {
    beast::error_code ec;
    char byte;
    socket_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

// One WebSocket connection.
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& target) : ws_(io_) {
    tcp::resolver resolver(io_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1", target);
  }
  void send(const std::string& text) { ws_.write(asio::buffer(text)); }
  std::string read() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }

 private:
  asio::io_context io_;
  websocket::stream<tcp::socket> ws_;
};

// The integer after "key": in a JSON text (-1 when absent).
int64_t json_int(const std::string& text, const std::string& key) {
  const size_t at = text.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + key.size() + 3));
}

// The string after "key": in a JSON text ("" when absent).
std::string json_text(const std::string& text, const std::string& key) {
  const size_t at = text.find("\"" + key + "\":\"");
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size() + 4;
  return text.substr(begin, text.find('"', begin) - begin);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class VenueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/qz-venue-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    temp_ = pattern;
    data_ = temp_ + "/data";
    ASSERT_TRUE(init_data_dir(InitOptions{.data_dir = data_}).is_ok());
    VenueOptions options;
    options.data_dir = data_;
    options.http.port = 0;
    options.http.read_timeout_ms = 1500;
    RecoveryReport report;
    const Status opened = Venue::open(options, &venue_, &report);
    ASSERT_TRUE(opened.is_ok()) << opened.message();
    const Status started = venue_->start();
    ASSERT_TRUE(started.is_ok()) << started.message();
    const Status set_up = set_up_demo(venue_.get(), &setup_);
    ASSERT_TRUE(set_up.is_ok()) << set_up.message();
    trader_ = setup_.traders.at(0);
  }
  void TearDown() override {
    if (venue_) venue_->stop();
    std::error_code ignored;
    std::filesystem::remove_all(temp_, ignored);
  }

  std::string signed_query(const std::string& params, const std::string& secret, int64_t timestamp) const {
    const std::string message = params + (params.empty() ? "" : "&") + "timestamp=" + std::to_string(timestamp) +
                                "&recvWindow=5000";
    return message + "&signature=" + hmac_sha256_hex(secret, message);
  }
  Reply get_signed(Client& client, const std::string& path, const std::string& params) {
    return client.request(http::verb::get, path + "?" + signed_query(params, trader_.secret, now_ms()), "",
                          trader_.api_key);
  }
  Reply post_signed(Client& client, const std::string& path, const std::string& params) {
    return client.request(http::verb::post, path, signed_query(params, trader_.secret, now_ms()), trader_.api_key);
  }
  Reply delete_signed(Client& client, const std::string& path, const std::string& params) {
    return client.request(http::verb::delete_, path + "?" + signed_query(params, trader_.secret, now_ms()), "",
                          trader_.api_key);
  }

  // Stops venue_ and opens and starts it again on `dir`, with the options `adjust` sets.
  void restart(const std::string& dir, const std::function<void(VenueOptions&)>& adjust = nullptr) {
    if (venue_) venue_->stop();
    venue_.reset();
    VenueOptions options;
    options.data_dir = dir;
    options.http.port = 0;
    if (adjust) adjust(options);
    RecoveryReport report;
    ASSERT_TRUE(Venue::open(options, &venue_, &report).is_ok());
    ASSERT_TRUE(venue_->start().is_ok());
  }
  // The trader's resting buy of 0.01 BTC at 50,000,000 KZT; its order id ("" on failure, reported).
  std::string place_resting_buy(Client& client) {
    const Reply placed = post_signed(client, "/api/v3/order",
                                     "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000000");
    EXPECT_EQ(placed.status, 200) << placed.body;
    return placed.status == 200 ? std::to_string(json_int(placed.body, "orderId")) : "";
  }

  std::string temp_;
  std::string data_;
  std::unique_ptr<Venue> venue_;
  DemoSetup setup_;
  DemoTrader trader_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(VenueTest, PublicRoutes) {
  Client client(venue_->port());
  Reply ping = client.request(http::verb::get, "/api/v3/ping");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, "{}");
  EXPECT_FALSE(ping.header("X-MBX-USED-WEIGHT-1M").empty());
  EXPECT_EQ(ping.header("Content-Type"), "application/json");
  // The one other content type the server writes: Prometheus text.
  Reply metrics = client.request(http::verb::get, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_TRUE(contains(metrics.body, "qazna_block_height ")) << metrics.body;
  Reply time = client.request(http::verb::get, "/api/v3/time");
  EXPECT_TRUE(contains(time.body, "\"serverTime\":")) << time.body;

  Reply info = client.request(http::verb::get, "/api/v3/exchangeInfo");
  EXPECT_EQ(info.status, 200);
  for (const char* symbol : {"BTCKZT", "ETHKZT", "USDTKZT", "BTCUSDT", "ETHUSDT"}) {
    EXPECT_TRUE(contains(info.body, std::string("\"symbol\":\"") + symbol + "\"")) << symbol;
  }
  EXPECT_TRUE(contains(info.body, "\"tickSize\":\"100.00\"")) << "BTCKZT's tick";
  EXPECT_TRUE(contains(info.body, "\"stepSize\":\"0.00010000\"")) << "BTCKZT's lot";
  EXPECT_FALSE(contains(info.body, "contractType"));
  Reply one = client.request(http::verb::get, "/api/v3/exchangeInfo?symbol=ETHUSDT");
  EXPECT_TRUE(contains(one.body, "ETHUSDT"));
  EXPECT_FALSE(contains(one.body, "BTCKZT"));
  Reply some = client.request(http::verb::get, "/api/v3/exchangeInfo?symbols=%5B%22BTCKZT%22%2C%22ETHKZT%22%5D");
  EXPECT_TRUE(contains(some.body, "BTCKZT") && contains(some.body, "ETHKZT") && !contains(some.body, "USDTKZT"));

  Reply bad_symbol = client.request(http::verb::get, "/api/v3/depth?symbol=NOSUCHPAIR");
  EXPECT_EQ(bad_symbol.status, 400);
  EXPECT_EQ(bad_symbol.body, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
  Reply unknown = client.request(http::verb::get, "/api/v3/nothing");
  EXPECT_EQ(unknown.status, 404);
  Reply health = client.request(http::verb::get, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_TRUE(contains(health.body, "\"status\":\"ok\""));
}

TEST_F(VenueTest, DepthFollowsTheBookAndItsUpdateIds) {
  Client client(venue_->port());
  Reply empty = client.request(http::verb::get, "/api/v3/depth?symbol=BTCKZT&limit=5");
  EXPECT_EQ(empty.body, "{\"lastUpdateId\":0,\"bids\":[],\"asks\":[]}");
  // A resting buy shows at its price with its quantity; the update id moved by one.
  Reply placed = post_signed(client, "/api/v3/order",
                             "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000000");
  ASSERT_EQ(placed.status, 200) << placed.body;
  EXPECT_TRUE(contains(placed.body, "\"status\":\"NEW\"")) << placed.body;
  Reply depth = client.request(http::verb::get, "/api/v3/depth?symbol=BTCKZT&limit=5");
  EXPECT_EQ(depth.body, "{\"lastUpdateId\":1,\"bids\":[[\"50000000.00\",\"0.01000000\"]],\"asks\":[]}");
}

// An order's answer goes out once its block is durable, without waiting for the projector; a public read that
// arrives after it waits until the projection has caught up, so the caller sees its own order on the book.
TEST_F(VenueTest, AnswersDoNotWaitForTheProjectionButReadsDo) {
  struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool closed = false;
    uint64_t held = 0;  // the height the projector waits at, 0 when it is not waiting
  };
  auto gate = std::make_shared<Gate>();
  venue_->stop();
  venue_.reset();
  VenueOptions options;
  options.data_dir = data_;
  options.http.port = 0;
  options.before_projecting = [gate](uint64_t height) {
    std::unique_lock lock(gate->mutex);
    if (!gate->closed) return;
    gate->held = height;
    gate->cv.notify_all();
    gate->cv.wait(lock, [&] { return !gate->closed; });
    gate->held = 0;
  };
  RecoveryReport report;
  ASSERT_TRUE(Venue::open(options, &venue_, &report).is_ok());
  ASSERT_TRUE(venue_->start().is_ok());
  const auto open_gate = [gate] {
    std::lock_guard lock(gate->mutex);
    gate->closed = false;
    gate->cv.notify_all();
  };
  struct OpenAtExit {
    std::function<void()> open;
    ~OpenAtExit() { open(); }  // a failed assertion must not leave the projector held (stop would wait for it)
  } open_at_exit{open_gate};
  {
    std::lock_guard lock(gate->mutex);
    gate->closed = true;
  }
  const std::string params = signed_query(
      "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000000", trader_.secret, now_ms());
  auto placed = std::async(std::launch::async, [&] {
    Client client(venue_->port());
    return client.request(http::verb::post, "/api/v3/order", params, trader_.api_key);
  });
  if (placed.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    open_gate();  // before `placed` is destroyed, which waits for the answer
    FAIL() << "the order's answer waited for the projector";
  }
  const Reply answer = placed.get();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_TRUE(contains(answer.body, "\"status\":\"NEW\"")) << answer.body;
  {
    std::unique_lock lock(gate->mutex);
    gate->cv.wait(lock, [&] { return gate->held != 0; });  // the order's block is held back from the projection
  }
  auto depth = std::async(std::launch::async, [&] {
    Client client(venue_->port());
    return client.request(http::verb::get, "/api/v3/depth?symbol=BTCKZT&limit=5");
  });
  EXPECT_EQ(depth.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "the depth read did not wait for the projection";
  open_gate();
  EXPECT_EQ(depth.get().body, "{\"lastUpdateId\":1,\"bids\":[[\"50000000.00\",\"0.01000000\"]],\"asks\":[]}");
  // Reads after the projection caught up answer at once.
  Client client(venue_->port());
  EXPECT_TRUE(contains(client.request(http::verb::get, "/api/v3/ticker/bookTicker?symbol=BTCKZT").body,
                       "\"bidPrice\":\"50000000.00\""));
  venue_->with_engine([](const Engine& engine) { EXPECT_EQ(engine.check_invariants(), ""); });
}

TEST_F(VenueTest, OrdersFillAndCancelThroughTheLedger) {
  Client client(venue_->port());
  // Aigerim rests a sell; Bauyrzhan's limit buy above it takes it whole.
  Reply sell = post_signed(client, "/api/v3/order",
                           "symbol=BTCKZT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.02&price=52000000"
                           "&newClientOrderId=my-sell-1");
  ASSERT_EQ(sell.status, 200) << sell.body;
  EXPECT_TRUE(contains(sell.body, "\"clientOrderId\":\"my-sell-1\"")) << sell.body;
  EXPECT_TRUE(contains(sell.body, "\"status\":\"NEW\"")) << sell.body;
  EXPECT_TRUE(contains(sell.body, "\"fills\":[]")) << sell.body;

  const DemoTrader other = setup_.traders.at(1);
  const std::string params = "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.02&price=52100000";
  Reply buy = client.request(http::verb::post, "/api/v3/order", signed_query(params, other.secret, now_ms()),
                             other.api_key);
  ASSERT_EQ(buy.status, 200) << buy.body;
  EXPECT_TRUE(contains(buy.body, "\"status\":\"FILLED\"")) << buy.body;
  EXPECT_TRUE(contains(buy.body, "\"executedQty\":\"0.02000000\"")) << buy.body;
  EXPECT_TRUE(contains(buy.body, "\"cummulativeQuoteQty\":\"1040000.00\"")) << buy.body;
  // Taker fee 20 bps of 1,040,000.00 KZT, in the quote asset the buyer spends.
  EXPECT_TRUE(contains(buy.body, "\"commission\":\"2080.00\",\"commissionAsset\":\"KZT\"")) << buy.body;

  // The seller's balances: 2 BTC deposited, 0.02 sold; 25,000,000.00 KZT + 1,040,000.00 - 10 bps maker fee in BTC.
  Reply account = get_signed(client, "/api/v3/account", "");
  ASSERT_EQ(account.status, 200) << account.body;
  EXPECT_TRUE(contains(account.body, "{\"asset\":\"BTC\",\"free\":\"1.97998000\",\"locked\":\"0.00000000\"}"))
      << account.body;
  EXPECT_TRUE(contains(account.body, "{\"asset\":\"KZT\",\"free\":\"26040000.00\",\"locked\":\"0.00\"}"))
      << account.body;

  // A GTC buy locks its cost and the largest fee (20 bps of 4,800,000.00); the cancel unlocks it.
  Reply rest = post_signed(client, "/api/v3/order",
                           "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=48000000");
  ASSERT_EQ(rest.status, 200) << rest.body;
  Reply locked = get_signed(client, "/api/v3/account", "omitZeroBalances=true");
  EXPECT_TRUE(contains(locked.body, "{\"asset\":\"KZT\",\"free\":\"21230400.00\",\"locked\":\"4809600.00\"}"))
      << locked.body;
  const size_t at = rest.body.find("\"orderId\":");
  ASSERT_NE(at, std::string::npos);
  const std::string order_id = rest.body.substr(at + 10, rest.body.find(',', at) - at - 10);
  Reply cancel = delete_signed(client, "/api/v3/order", "symbol=BTCKZT&orderId=" + order_id);
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_TRUE(contains(cancel.body, "\"status\":\"CANCELED\"")) << cancel.body;
  Reply again = delete_signed(client, "/api/v3/order", "symbol=BTCKZT&orderId=" + order_id);
  EXPECT_EQ(again.body, "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}");
  Reply unlocked = get_signed(client, "/api/v3/account", "");
  EXPECT_TRUE(contains(unlocked.body, "{\"asset\":\"KZT\",\"free\":\"26040000.00\",\"locked\":\"0.00\"}"))
      << unlocked.body;
  // Nothing moved for nothing: the venue's books balance.
  venue_->with_engine([](const Engine& engine) { EXPECT_EQ(engine.check_invariants(), ""); });
  EXPECT_EQ(venue_->market_data().check_invariants(), "");
}

// History is written behind the answers (its own thread, batches of 50 ms); a caller still reads its own writes:
// an order it was told about is in GET /api/v3/order, openOrders and allOrders at once, its fill in myTrades, and
// a cancel's answer shows the cancelled order. Three traders interleave, each on its own connection and market,
// each trading with itself (no self-trade prevention by default).
// The scheduling policy of this process's history thread, or -1 when there is none.
int history_thread_policy() {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name == "qz-history") return ::sched_getscheduler(static_cast<pid_t>(std::stol(task.path().filename())));
  }
  return -1;
}

// History yields the cores to the order path: once it has caught up with the demo's set-up it runs under
// SCHED_IDLE (docs/server.md).
TEST_F(VenueTest, HistoryRunsUnderSchedIdleWhenCalm) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int policy = history_thread_policy();
  while (policy != SCHED_IDLE && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    policy = history_thread_policy();
  }
  EXPECT_EQ(policy, SCHED_IDLE);
}

TEST_F(VenueTest, HistoryRoutesReadTheCallersOwnWrites) {
  struct Plan {
    const char* symbol;
    int64_t price;  // in the quote's major units
    int64_t tick;
    const char* qty;
  };
  static constexpr Plan kPlans[] = {{"BTCKZT", 52000000, 100, "0.001"},
                                    {"ETHKZT", 1750000, 10, "0.01"},
                                    {"USDTKZT", 520, 1, "20"}};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (size_t t = 0; t < 3; t++) {
    threads.emplace_back([&, t] {
      const DemoTrader trader = setup_.traders.at(t);
      const Plan& plan = kPlans[t];
      Client client(venue_->port());
      const auto call = [&](http::verb verb, const std::string& path, const std::string& params) {
        const std::string query = signed_query(params, trader.secret, now_ms());
        return verb == http::verb::post ? client.request(verb, path, query, trader.api_key)
                                        : client.request(verb, path + "?" + query, "", trader.api_key);
      };
      const auto fail = [&](const std::string& what) {
        ADD_FAILURE() << plan.symbol << ": " << what;
        failures++;
      };
      const std::string market = std::string("symbol=") + plan.symbol;
      for (int i = 0; i < 10; i++) {
        const std::string price = std::to_string(plan.price - plan.tick * i);
        const Reply placed = call(http::verb::post, "/api/v3/order",
                                  market + "&side=BUY&type=LIMIT&timeInForce=GTC&quantity=" + plan.qty +
                                      "&price=" + price);
        if (placed.status != 200) return fail(placed.body);
        const std::string id = std::to_string(json_int(placed.body, "orderId"));
        const Reply one = call(http::verb::get, "/api/v3/order", market + "&orderId=" + id);
        const Reply open = call(http::verb::get, "/api/v3/openOrders", market);
        const Reply all = call(http::verb::get, "/api/v3/allOrders", market + "&limit=1000");
        if (one.status != 200 || !contains(one.body, "\"status\":\"NEW\"")) fail("GET order " + id + ": " + one.body);
        if (!contains(open.body, "\"orderId\":" + id + ",")) fail("openOrders lacks " + id);
        if (!contains(all.body, "\"orderId\":" + id + ",")) fail("allOrders lacks " + id);

        // Sell into its own bid: the fill is in myTrades, the bid FILLED.
        const Reply sold = call(http::verb::post, "/api/v3/order",
                                market + "&side=SELL&type=LIMIT&timeInForce=IOC&quantity=" + plan.qty +
                                    "&price=" + price);
        const size_t fills = sold.body.find("\"fills\"");
        if (sold.status != 200 || fills == std::string::npos || !contains(sold.body, "\"tradeId\":")) {
          return fail("sell: " + sold.body);
        }
        const std::string trade = std::to_string(json_int(sold.body.substr(fills), "tradeId"));
        const Reply mine = call(http::verb::get, "/api/v3/myTrades", market + "&limit=1000");
        if (!contains(mine.body, "\"id\":" + trade + ",")) fail("myTrades lacks trade " + trade);
        const Reply filled = call(http::verb::get, "/api/v3/order", market + "&orderId=" + id);
        if (!contains(filled.body, "\"status\":\"FILLED\"")) fail("order " + id + " after its fill: " + filled.body);

        // A bid below, cancelled at once.
        const Reply rest = call(http::verb::post, "/api/v3/order",
                                market + "&side=BUY&type=LIMIT&timeInForce=GTC&quantity=" + plan.qty +
                                    "&price=" + std::to_string(plan.price - plan.tick * 100));
        const std::string rest_id = std::to_string(json_int(rest.body, "orderId"));
        const Reply cancelled = call(http::verb::delete_, "/api/v3/order", market + "&orderId=" + rest_id);
        if (!contains(cancelled.body, "\"status\":\"CANCELED\"")) fail("cancel: " + cancelled.body);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  venue_->with_engine([](const Engine& engine) { EXPECT_EQ(engine.check_invariants(), ""); });
}

// A maker learns of its fill from somebody else's order; its next signed read shows the fill at once, though
// history commits idle batches only every 500 ms.
TEST_F(VenueTest, MakersReadTheirFillsAtOnce) {
  const DemoTrader maker = setup_.traders.at(0);
  const DemoTrader taker = setup_.traders.at(1);
  Client maker_client(venue_->port());
  Client taker_client(venue_->port());
  const auto call = [&](Client& client, const DemoTrader& who, http::verb verb, const std::string& path,
                        const std::string& params) {
    const std::string query = signed_query(params, who.secret, now_ms());
    return verb == http::verb::post ? client.request(verb, path, query, who.api_key)
                                    : client.request(verb, path + "?" + query, "", who.api_key);
  };
  for (int i = 0; i < 8; i++) {
    const std::string price = std::to_string(51000000 - 100 * i);
    const Reply bid = call(maker_client, maker, http::verb::post, "/api/v3/order",
                           "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=" + price);
    ASSERT_EQ(bid.status, 200) << bid.body;
    ASSERT_TRUE(contains(bid.body, "\"status\":\"NEW\"")) << bid.body;
    const std::string id = std::to_string(json_int(bid.body, "orderId"));
    // The maker reads its bid first, so history has committed everything up to the bid's block.
    const Reply resting = call(maker_client, maker, http::verb::get, "/api/v3/order", "symbol=BTCKZT&orderId=" + id);
    ASSERT_TRUE(contains(resting.body, "\"status\":\"NEW\"")) << resting.body;
    const Reply sold = call(taker_client, taker, http::verb::post, "/api/v3/order",
                            "symbol=BTCKZT&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.001&price=" + price);
    ASSERT_EQ(sold.status, 200) << sold.body;
    ASSERT_TRUE(contains(sold.body, "\"status\":\"FILLED\"")) << sold.body;
    const std::string trade = std::to_string(json_int(sold.body.substr(sold.body.find("\"fills\"")), "tradeId"));

    const Reply order = call(maker_client, maker, http::verb::get, "/api/v3/order", "symbol=BTCKZT&orderId=" + id);
    EXPECT_TRUE(contains(order.body, "\"status\":\"FILLED\"")) << "round " << i << ": " << order.body;
    const Reply mine = call(maker_client, maker, http::verb::get, "/api/v3/myTrades", "symbol=BTCKZT&limit=1000");
    EXPECT_TRUE(contains(mine.body, "\"id\":" + trade + ",")) << "round " << i << ": " << mine.body;
    const Reply open = call(maker_client, maker, http::verb::get, "/api/v3/openOrders", "symbol=BTCKZT");
    EXPECT_FALSE(contains(open.body, "\"orderId\":" + id + ",")) << "round " << i << ": " << open.body;
  }
  venue_->with_engine([](const Engine& engine) { EXPECT_EQ(engine.check_invariants(), ""); });
}

// The same for an order that was resting when the venue started: its owner comes from history's open orders.
TEST_F(VenueTest, MakersReadFillsOfOrdersFromBeforeARestart) {
  const DemoTrader maker = setup_.traders.at(0);
  const DemoTrader taker = setup_.traders.at(1);
  const auto call = [&](const DemoTrader& who, http::verb verb, const std::string& path, const std::string& params) {
    Client client(venue_->port());
    const std::string query = signed_query(params, who.secret, now_ms());
    return verb == http::verb::post ? client.request(verb, path, query, who.api_key)
                                    : client.request(verb, path + "?" + query, "", who.api_key);
  };
  const Reply bid = call(maker, http::verb::post, "/api/v3/order",
                         "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=51000000");
  ASSERT_EQ(bid.status, 200) << bid.body;
  const std::string id = std::to_string(json_int(bid.body, "orderId"));
  restart(data_);
  const Reply resting = call(maker, http::verb::get, "/api/v3/order", "symbol=BTCKZT&orderId=" + id);
  ASSERT_TRUE(contains(resting.body, "\"status\":\"NEW\"")) << resting.body;
  const Reply sold = call(taker, http::verb::post, "/api/v3/order",
                          "symbol=BTCKZT&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.001&price=51000000");
  ASSERT_TRUE(contains(sold.body, "\"status\":\"FILLED\"")) << sold.body;
  const Reply order = call(maker, http::verb::get, "/api/v3/order", "symbol=BTCKZT&orderId=" + id);
  EXPECT_TRUE(contains(order.body, "\"status\":\"FILLED\"")) << order.body;
}

TEST_F(VenueTest, OrderRejectionsCarryTheContractsCodes) {
  Client client(venue_->port());
  const auto post = [&](const std::string& params) { return post_signed(client, "/api/v3/order", params); };
  EXPECT_EQ(post("symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000050").body,
            "{\"code\":-1013,\"msg\":\"Filter failure: PRICE_FILTER\"}");
  EXPECT_EQ(post("symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00015&price=50000000").body,
            "{\"code\":-1013,\"msg\":\"Filter failure: LOT_SIZE\"}");
  EXPECT_EQ(post("symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0001&price=100").body,
            "{\"code\":-1013,\"msg\":\"Filter failure: NOTIONAL\"}");
  EXPECT_EQ(post("symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=90&price=50000000").body,
            "{\"code\":-2010,\"msg\":\"Account has insufficient balance for requested action.\"}");
  Reply resting = post("symbol=BTCKZT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=52000000");
  ASSERT_EQ(resting.status, 200);
  EXPECT_EQ(post("symbol=BTCKZT&side=BUY&type=LIMIT_MAKER&quantity=0.01&price=52000000").body,
            "{\"code\":-2010,\"msg\":\"Order would immediately match and take.\"}");
  EXPECT_EQ(post("symbol=BTCKZT&side=BUY&type=LIMIT&quantity=0.01&price=50000000").body,
            "{\"code\":-1102,\"msg\":\"Mandatory parameter 'timeInForce' was not sent, was empty/null, or "
            "malformed.\"}");
  EXPECT_EQ(post("symbol=BTCKZT&side=HOLD&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000000").body,
            "{\"code\":-1117,\"msg\":\"Invalid side.\"}");
  EXPECT_EQ(post("symbol=NOPE&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000000").body,
            "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
  // IOC and FOK that cannot fill are not errors: EXPIRED with nothing executed.
  Reply ioc = post("symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.01&price=48000000");
  EXPECT_EQ(ioc.status, 200);
  EXPECT_TRUE(contains(ioc.body, "\"status\":\"EXPIRED\"") && contains(ioc.body, "\"executedQty\":\"0.00000000\""))
      << ioc.body;
  Reply fok = post("symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=0.4&price=52000000");
  EXPECT_EQ(fok.status, 200);
  EXPECT_TRUE(contains(fok.body, "\"status\":\"EXPIRED\"")) << fok.body;
}

// The limits over HTTP, with small budgets: an order over the 10-second count and a request over the minute's
// weight are refused with 429, their codes and Retry-After, and every answer carries the weight header. Windows are
// aligned to the clock, so each budget is spent in a loop that allows for one window ending midway.
TEST_F(VenueTest, RateLimitsRefuseWithTheirHeaders) {
  restart(data_, [](VenueOptions& options) {
    options.rate_limits.orders_per_10s = 2;
    options.rate_limits.weight_per_minute = 12;
  });
  Client client(venue_->port());

  Reply refused_order;
  for (int i = 0; i < 8 && refused_order.status == 0; i++) {
    Reply placed = post_signed(client, "/api/v3/order",
                               "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000000");
    if (placed.status == 429) {
      refused_order = placed;
      break;
    }
    ASSERT_EQ(placed.status, 200) << placed.body;
    const std::string count = placed.header("X-MBX-ORDER-COUNT-10S");
    EXPECT_TRUE(count == "1" || count == "2") << count;
    EXPECT_FALSE(placed.header("X-MBX-ORDER-COUNT-1D").empty());
    EXPECT_FALSE(placed.header("X-MBX-USED-WEIGHT-1M").empty());
  }
  ASSERT_EQ(refused_order.status, 429);
  EXPECT_TRUE(contains(refused_order.body, "\"code\":-1015")) << refused_order.body;
  EXPECT_FALSE(refused_order.header("Retry-After").empty());
  EXPECT_FALSE(refused_order.header("X-MBX-USED-WEIGHT-1M").empty());
  EXPECT_TRUE(refused_order.header("X-MBX-ORDER-COUNT-10S").empty());  // no order was counted

  // The IP's minute: public requests until one is refused, then a signed one is refused before authentication.
  Reply refused_ping;
  for (int i = 0; i < 40 && refused_ping.status == 0; i++) {
    Reply ping = client.request(http::verb::get, "/api/v3/ping");
    EXPECT_FALSE(ping.header("X-MBX-USED-WEIGHT-1M").empty());
    if (ping.status == 429) refused_ping = ping;
  }
  ASSERT_EQ(refused_ping.status, 429);
  EXPECT_TRUE(contains(refused_ping.body, "\"code\":-1003")) << refused_ping.body;
  EXPECT_FALSE(refused_ping.header("Retry-After").empty());
  const Reply refused_signed = get_signed(client, "/api/v3/account", "");
  if (refused_signed.status != 200) {  // 200 only when the minute ended just before
    EXPECT_EQ(refused_signed.status, 429) << refused_signed.body;
    EXPECT_TRUE(contains(refused_signed.body, "\"code\":-1003")) << refused_signed.body;
    EXPECT_FALSE(refused_signed.header("Retry-After").empty());
    EXPECT_FALSE(refused_signed.header("X-MBX-USED-WEIGHT-1M").empty());
  }
}

TEST_F(VenueTest, AuthenticationRefusalsInTheContractsOrder) {
  Client client(venue_->port());
  const std::string params = "symbol=BTCKZT";
  // No key, a malformed key, an unknown key.
  EXPECT_EQ(client.request(http::verb::get, "/api/v3/account?" + signed_query("", trader_.secret, now_ms())).body,
            "{\"code\":-2014,\"msg\":\"API-key format invalid.\"}");
  EXPECT_EQ(client.request(http::verb::get, "/api/v3/account?" + signed_query("", trader_.secret, now_ms()), "",
                           "short")
                .body,
            "{\"code\":-2014,\"msg\":\"API-key format invalid.\"}");
  EXPECT_EQ(client.request(http::verb::get, "/api/v3/account?" + signed_query("", trader_.secret, now_ms()), "",
                           std::string(64, 'A'))
                .body,
            "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}");
  // A wrong secret.
  Reply bad = client.request(http::verb::get, "/api/v3/account?" + signed_query("", std::string(64, 'x'), now_ms()),
                             "", trader_.api_key);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "{\"code\":-1022,\"msg\":\"Signature for this request is not valid.\"}");
  // Timestamps two minutes behind and ahead.
  EXPECT_EQ(client.request(http::verb::get, "/api/v3/account?" + signed_query("", trader_.secret, now_ms() - 120000),
                           "", trader_.api_key)
                .body,
            "{\"code\":-1021,\"msg\":\"Timestamp for this request is outside of the recvWindow.\"}");
  EXPECT_EQ(client.request(http::verb::get, "/api/v3/account?" + signed_query("", trader_.secret, now_ms() + 120000),
                           "", trader_.api_key)
                .body,
            "{\"code\":-1021,\"msg\":\"Timestamp for this request was 1000ms ahead of the server's time.\"}");
  // One customer cannot cancel another's order.
  Reply mine = post_signed(client, "/api/v3/order",
                           "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=48000000");
  ASSERT_EQ(mine.status, 200) << mine.body;
  const size_t at = mine.body.find("\"orderId\":");
  const std::string order_id = mine.body.substr(at + 10, mine.body.find(',', at) - at - 10);
  const DemoTrader other = setup_.traders.at(2);
  const std::string cancel = "symbol=BTCKZT&orderId=" + order_id;
  Reply theirs = client.request(http::verb::delete_, "/api/v3/order?" + signed_query(cancel, other.secret, now_ms()),
                                "", other.api_key);
  EXPECT_EQ(theirs.body, "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}");
  // A read-only key cannot trade.
  KeySpec read_only;
  read_only.owner_user = trader_.user;
  read_only.role = Role::customer;
  read_only.permissions = static_cast<uint8_t>(Permission::read);
  CreatedHmacKey key;
  ASSERT_TRUE(venue_->create_hmac_key(read_only, &key).is_ok());
  const std::string order = "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=48000000";
  Reply refused = client.request(http::verb::post, "/api/v3/order",
                                 signed_query(order, std::string(key.secret.reveal()), now_ms()), key.key_id);
  EXPECT_EQ(refused.body, "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}");
}

TEST_F(VenueTest, TransportRefusesBadInputWithoutHarmingOthers) {
  // Malformed request line.
  {
    Client bad(venue_->port());
    bad.send_raw("THIS IS NOT HTTP\r\n\r\n");
    const Reply reply = bad.read();
    EXPECT_EQ(reply.status, 400);
  }
  // A body over the limit.
  {
    Client big(venue_->port());
    const Reply reply = big.request(http::verb::post, "/api/v3/order", std::string(100 * 1024, 'a'));
    EXPECT_EQ(reply.status, 413);
  }
  // A slow client that never finishes its headers is dropped after the read timeout.
  {
    Client slow(venue_->port());
    slow.send_raw("GET /api/v3/ping HTTP/1.1\r\nHost: x\r\n");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(slow.closed_by_server());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  }
  // The server still answers: the connection made before the bad ones (its idle time is under the timeout
  // again once it is used) and a new one.
  EXPECT_EQ(Client(venue_->port()).request(http::verb::get, "/api/v3/ping").body, "{}");
  {
    Client timer(venue_->port());
    for (int i = 0; i < 3; i++) EXPECT_EQ(timer.request(http::verb::get, "/api/v3/time").status, 200);
  }
  const std::string metrics = venue_->metrics_text();
  EXPECT_TRUE(contains(metrics, "qazna_http_requests_total{route=\"GET /api/v3/ping\"}")) << metrics;
  EXPECT_TRUE(contains(metrics, "qazna_block_height ")) << metrics;
  EXPECT_TRUE(contains(metrics, "qazna_journal_commit_seconds_count ")) << metrics;
  EXPECT_FALSE(contains(metrics, "qazna_journal_commit_seconds_count 0\n")) << "the demo's set-up was committed";
  // The commit-time histogram: cumulative buckets whose last one counts every commit.
  const auto value_of = [&](const std::string& name) {
    const size_t at = metrics.find("\n" + name + " ");
    EXPECT_NE(at, std::string::npos) << name;
    if (at == std::string::npos) return uint64_t{0};
    return static_cast<uint64_t>(std::stoull(metrics.substr(at + name.size() + 2)));
  };
  // Each request is counted under its own route (this test's only /api/v3/time requests are the three above).
  EXPECT_EQ(value_of("qazna_http_requests_total{route=\"GET /api/v3/time\"}"), 3u);
  const uint64_t commits = value_of("qazna_journal_commit_seconds_count");
  EXPECT_EQ(value_of("qazna_journal_commit_seconds_bucket{le=\"+Inf\"}"), commits);
  EXPECT_LE(value_of("qazna_journal_commit_seconds_bucket{le=\"0.0001\"}"),
            value_of("qazna_journal_commit_seconds_bucket{le=\"0.05\"}"));
  EXPECT_TRUE(contains(metrics, "qazna_journal_commit_max_seconds ")) << metrics;
  // The queue-wait histogram: every submission the sequencer took (the demo's set-up made some), in cumulative
  // buckets.
  const uint64_t queued = value_of("qazna_journal_queue_wait_seconds_count");
  EXPECT_GT(queued, 0u);
  EXPECT_EQ(value_of("qazna_journal_queue_wait_seconds_bucket{le=\"+Inf\"}"), queued);
  EXPECT_LE(value_of("qazna_journal_queue_wait_seconds_bucket{le=\"0.0001\"}"),
            value_of("qazna_journal_queue_wait_seconds_bucket{le=\"0.05\"}"));
  // Snapshots: the demo venue's first comes at a height it has not reached, so none yet, and all gauges at 0.
  EXPECT_EQ(value_of("qazna_journal_snapshots_total"), 0u);
  EXPECT_EQ(value_of("qazna_journal_snapshot_bytes"), 0u);
  EXPECT_TRUE(contains(metrics, "qazna_journal_snapshot_seconds 0")) << metrics;
  EXPECT_TRUE(contains(metrics, "qazna_journal_snapshot_max_seconds 0")) << metrics;
  // This venue's journal keeps no preallocated WAL (preallocate_journal_wal is off), so none of it is locked.
  EXPECT_EQ(value_of("qazna_journal_wal_locked_bytes"), 0u);
  // An order's client order id is not a request id the engine keeps (rules version 2): the table does not grow.
  const uint64_t request_ids = value_of("qazna_engine_request_ids");
  Client trader(venue_->port());
  const Reply placed = post_signed(trader, "/api/v3/order",
                                   "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000000");
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::string after = venue_->metrics_text();
  const size_t at = after.find("\nqazna_engine_request_ids ");
  ASSERT_NE(at, std::string::npos) << after;
  EXPECT_EQ(std::stoull(after.substr(at + 26)), request_ids);
}

// A client order id need only differ among the account's open orders (the contract's newClientOrderId): a second
// order with the id of an open one is a duplicate, and once that order is closed the id is free again. A query by
// the id finds the newest order that had it.
TEST_F(VenueTest, AClientOrderIdIsFreeAgainOnceItsOrderIsClosed) {
  Client client(venue_->port());
  const std::string rest = "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=47000000";
  const auto order_id_of = [](const std::string& body) {
    const size_t at = body.find("\"orderId\":");
    return at == std::string::npos ? std::string() : body.substr(at + 10, body.find(',', at) - at - 10);
  };
  Reply first = post_signed(client, "/api/v3/order", rest + "&newClientOrderId=grid-7");
  ASSERT_EQ(first.status, 200) << first.body;
  Reply duplicate = post_signed(client, "/api/v3/order", rest + "&newClientOrderId=grid-7");
  EXPECT_EQ(duplicate.status, 400);
  EXPECT_EQ(duplicate.body, "{\"code\":-2010,\"msg\":\"Duplicate order sent.\"}");
  // Another id, and the same id on another account, are not duplicates.
  Reply other_id = post_signed(client, "/api/v3/order", rest + "&newClientOrderId=grid-8");
  ASSERT_EQ(other_id.status, 200) << other_id.body;
  const DemoTrader other = setup_.traders.at(1);
  Reply other_account = client.request(http::verb::post, "/api/v3/order",
                                       signed_query(rest + "&newClientOrderId=grid-7", other.secret, now_ms()),
                                       other.api_key);
  ASSERT_EQ(other_account.status, 200) << other_account.body;

  Reply cancel = delete_signed(client, "/api/v3/order", "symbol=BTCKZT&origClientOrderId=grid-7");
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(order_id_of(cancel.body), order_id_of(first.body)) << cancel.body;
  Reply again = post_signed(client, "/api/v3/order", rest + "&newClientOrderId=grid-7");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_NE(order_id_of(again.body), order_id_of(first.body));
  Reply query = get_signed(client, "/api/v3/order", "symbol=BTCKZT&origClientOrderId=grid-7");
  ASSERT_EQ(query.status, 200) << query.body;
  EXPECT_EQ(order_id_of(query.body), order_id_of(again.body)) << query.body;
  EXPECT_TRUE(contains(query.body, "\"status\":\"NEW\"")) << query.body;
  // The closed order is still found by its order id, with its id text.
  Reply closed = get_signed(client, "/api/v3/order", "symbol=BTCKZT&orderId=" + order_id_of(first.body));
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_TRUE(contains(closed.body, "\"clientOrderId\":\"grid-7\"")) << closed.body;
  EXPECT_TRUE(contains(closed.body, "\"status\":\"CANCELED\"")) << closed.body;
  venue_->with_engine([](const Engine& engine) {
    EXPECT_EQ(engine.rules_version(), kEngineRulesVersion);
    EXPECT_EQ(engine.check_invariants(), "");
  });
}

TEST_F(VenueTest, TransportSpeaksHttp11) {
  // Two requests in one write (pipelining): both answered, in order, on the same connection.
  Client client(venue_->port());
  client.send_raw("GET /api/v3/ping HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v3/time HTTP/1.1\r\nHost: x\r\n\r\n");
  const Reply ping = client.read();
  const Reply time = client.read();
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, "{}");
  EXPECT_EQ(time.status, 200);
  EXPECT_TRUE(contains(time.body, "serverTime")) << time.body;

  // A signed order with a chunked body (split mid-parameter), after a 100 Continue.
  const DemoTrader trader = setup_.traders.at(0);
  const std::string body = signed_query(
      "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=40000000", trader.secret, now_ms());
  const size_t half = body.size() / 2;
  const auto hex = [](size_t n) {
    std::ostringstream text;
    text << std::hex << n;
    return text.str();
  };
  client.send_raw("POST /api/v3/order HTTP/1.1\r\nHost: x\r\nX-MBX-APIKEY: " + trader.api_key +
                  "\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n");
  const Reply go_on = client.read();
  EXPECT_EQ(go_on.status, 100);
  client.send_raw(hex(half) + "\r\n" + body.substr(0, half) + "\r\n" + hex(body.size() - half) + "\r\n" +
                  body.substr(half) + "\r\n0\r\n\r\n");
  const Reply order = client.read();
  ASSERT_EQ(order.status, 200) << order.body;
  EXPECT_TRUE(contains(order.body, "\"status\":\"NEW\"")) << order.body;

  // HEAD: the head of the answer, no body; the connection goes on.
  client.send_raw("HEAD /api/v3/ping HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v3/ping HTTP/1.1\r\nHost: x\r\n\r\n");
  char head[512];
  size_t got = 0;
  while (std::string_view(head, got).find("\r\n\r\n") == std::string_view::npos && got < sizeof head) {
    got += client.read_some(head + got, sizeof head - got);
  }
  const std::string_view head_text(head, got);
  EXPECT_TRUE(head_text.starts_with("HTTP/1.1 ")) << head_text;
  // What follows the head is the GET's answer, not a body.
  EXPECT_TRUE(head_text.substr(head_text.find("\r\n\r\n") + 4).empty() ||
              head_text.substr(head_text.find("\r\n\r\n") + 4).starts_with("HTTP/1.1 200"))
      << head_text;

  // HTTP/1.0 without keep-alive: answered, then closed.
  Client old(venue_->port());
  old.send_raw("GET /api/v3/ping HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.read().body, "{}");
  EXPECT_TRUE(old.closed_by_server());
}

TEST_F(VenueTest, FullQueuesHoldBackWithoutLosingAnything) {
  // Queues of one block: the writer waits for the projector and the projector for history at almost every block.
  restart(data_, [](VenueOptions& options) { options.max_queued_blocks = 1; });
  constexpr int kThreads = 4;
  constexpr int kOrders = 40;
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      Client client(venue_->port());
      const DemoTrader& trader = setup_.traders.at(static_cast<size_t>(t % 2));
      for (int i = 0; i < kOrders; i++) {
        // Buyers and sellers cross at one price, so blocks carry trades for history to write.
        const std::string params = std::string("symbol=BTCKZT&side=") + (t % 2 == 0 ? "BUY" : "SELL") +
                                   "&type=LIMIT&timeInForce=GTC&quantity=0.001&price=51000000";
        const Reply reply = client.request(http::verb::post, "/api/v3/order",
                                           signed_query(params, trader.secret, now_ms()), trader.api_key);
        if (reply.status == 200) answered.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(answered.load(), kThreads * kOrders);
  // Every order is in history: allOrders of both traders.
  Client client(venue_->port());
  size_t listed = 0;
  for (size_t i = 0; i < 2; i++) {
    const DemoTrader& trader = setup_.traders.at(i);
    const Reply all = client.request(
        http::verb::get, "/api/v3/allOrders?" + signed_query("symbol=BTCKZT&limit=1000", trader.secret, now_ms()),
        "", trader.api_key);
    ASSERT_EQ(all.status, 200) << all.body;
    for (size_t at = all.body.find("\"orderId\""); at != std::string::npos;
         at = all.body.find("\"orderId\"", at + 1)) {
      listed++;
    }
  }
  EXPECT_GE(listed, static_cast<size_t>(kThreads * kOrders));
}

TEST_F(VenueTest, RestartKeepsWhatWasAcknowledged) {
  Client client(venue_->port());
  Reply rest = post_signed(client, "/api/v3/order",
                           "symbol=ETHKZT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1.5&price=1800000"
                           "&newClientOrderId=x-TKT5PX2F0123456789abcdef012345");
  ASSERT_EQ(rest.status, 200) << rest.body;
  // An order without a client order id gets a generated one: "qz-" and a number, which is the id itself.
  Reply generated = post_signed(client, "/api/v3/order",
                                "symbol=ETHKZT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=1900000");
  ASSERT_EQ(generated.status, 200) << generated.body;
  const std::string generated_id = json_text(generated.body, "clientOrderId");
  ASSERT_TRUE(history::is_generated_client_order_text(generated_id)) << generated.body;
  const std::string depth_before = client.request(http::verb::get, "/api/v3/depth?symbol=ETHKZT").body;
  const std::string account_before = get_signed(client, "/api/v3/account", "").body;
  restart(data_);
  Client again(venue_->port());
  EXPECT_EQ(again.request(http::verb::get, "/api/v3/depth?symbol=ETHKZT").body, depth_before);
  // The client's own text id survived (journaled by tag_order), by look-up and in the answer.
  Reply by_text = get_signed(again, "/api/v3/order", "symbol=ETHKZT&origClientOrderId=x-TKT5PX2F0123456789abcdef012345");
  EXPECT_EQ(by_text.status, 200) << by_text.body;
  EXPECT_TRUE(contains(by_text.body, "\"clientOrderId\":\"x-TKT5PX2F0123456789abcdef012345\"")) << by_text.body;
  Reply open = get_signed(again, "/api/v3/openOrders", "symbol=ETHKZT");
  EXPECT_TRUE(contains(open.body, "\"clientOrderId\":\"x-TKT5PX2F0123456789abcdef012345\"")) << open.body;
  // The generated id, never journaled as text, reads back the same way.
  Reply by_generated = get_signed(again, "/api/v3/order", "symbol=ETHKZT&origClientOrderId=" + generated_id);
  EXPECT_EQ(by_generated.status, 200) << by_generated.body;
  EXPECT_EQ(json_text(by_generated.body, "clientOrderId"), generated_id) << by_generated.body;
  EXPECT_EQ(json_int(by_generated.body, "orderId"), json_int(generated.body, "orderId"));
  EXPECT_TRUE(contains(open.body, "\"clientOrderId\":\"" + generated_id + "\"")) << open.body;
  // It is made from the order id, and names that order only: with its order id it matches, with another's not.
  const int64_t generated_order = json_int(generated.body, "orderId");
  EXPECT_EQ(generated_id, history::generated_client_order_text(
                              history::generated_client_order_key(static_cast<uint64_t>(generated_order))));
  Reply both =
      get_signed(again, "/api/v3/order",
                 "symbol=ETHKZT&orderId=" + std::to_string(generated_order) + "&origClientOrderId=" + generated_id);
  EXPECT_EQ(both.status, 200) << both.body;
  Reply other = get_signed(
      again, "/api/v3/order",
      "symbol=ETHKZT&orderId=" + std::to_string(json_int(rest.body, "orderId")) + "&origClientOrderId=" + generated_id);
  EXPECT_EQ(other.status, 400) << other.body;
  // The keys survived (encrypted at rest) and the balances are as acknowledged.
  const std::string account_after = get_signed(again, "/api/v3/account", "").body;
  EXPECT_EQ(account_after.substr(account_after.find("\"balances\"")),
            account_before.substr(account_before.find("\"balances\"")));
  // The generated id cancels its order.
  Reply cancel = delete_signed(again, "/api/v3/order", "symbol=ETHKZT&origClientOrderId=" + generated_id);
  EXPECT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(json_int(cancel.body, "orderId"), generated_order) << cancel.body;
  EXPECT_EQ(json_text(cancel.body, "origClientOrderId"), generated_id) << cancel.body;
}

TEST_F(VenueTest, WebSocketStreamsFollowTheBook) {
  Client client(venue_->port());
  WsClient raw(venue_->port(), "/ws/btckzt@depth");
  WsClient combined(venue_->port(), "/stream?streams=btckzt@trade/btckzt@bookTicker");
  WsClient control(venue_->port(), "/ws");
  control.send("{\"method\":\"SUBSCRIBE\",\"params\":[\"btckzt@depth5\"],\"id\":7}");
  EXPECT_EQ(control.read(), "{\"result\":null,\"id\":7}");
  control.send("{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":\"x\"}");
  EXPECT_EQ(control.read(), "{\"result\":[\"btckzt@depth5\"],\"id\":\"x\"}");
  control.send("not json");
  EXPECT_EQ(json_int(control.read(), "code"), 3);
  control.send("{\"method\":\"SUBSCRIBE\",\"params\":[\"btckzt@nonsense\"],\"id\":8}");
  EXPECT_EQ(json_int(control.read(), "code"), 2);

  ASSERT_EQ(post_signed(client, "/api/v3/order",
                        "symbol=BTCKZT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=52000000")
                .status,
            200);
  ASSERT_EQ(post_signed(client, "/api/v3/order",
                        "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.004&price=52000000")
                .status,
            200);
  // @depth merges the book's changes over a second: the diffs from update id 1 to the book's last are gapless,
  // and the last one carries the final quantity of the level both orders changed.
  const int64_t last_update = json_int(client.request(http::verb::get, "/api/v3/depth?symbol=BTCKZT").body,
                                       "lastUpdateId");
  ASSERT_GE(last_update, 2);
  int64_t expected_first = 1;
  std::string diff;
  for (int reads = 0; expected_first <= last_update && reads < 5; reads++) {
    diff = raw.read();
    EXPECT_NE(diff.find("\"e\":\"depthUpdate\""), std::string::npos) << diff;
    EXPECT_EQ(json_int(diff, "U"), expected_first) << diff;
    expected_first = json_int(diff, "u") + 1;
  }
  EXPECT_EQ(expected_first, last_update + 1);
  EXPECT_NE(diff.find("[\"52000000.00\",\"0.00600000\"]"), std::string::npos) << diff;

  const std::string top = combined.read();  // the book ticker of the first block, then the trade
  EXPECT_NE(top.find("{\"stream\":\"btckzt@bookTicker\",\"data\":{\"u\":1,"), std::string::npos) << top;
  std::string trade = combined.read();
  if (trade.find("@trade") == std::string::npos) trade = combined.read();
  EXPECT_NE(trade.find("{\"stream\":\"btckzt@trade\",\"data\":{\"e\":\"trade\""), std::string::npos) << trade;
  EXPECT_NE(trade.find("\"q\":\"0.00400000\""), std::string::npos) << trade;
  EXPECT_NE(trade.find("\"m\":false"), std::string::npos) << trade;  // the buyer took: not the maker

  // The partial book goes out each second it changed: the last one shows the book after both orders.
  const std::string final_book = "{\"lastUpdateId\":" + std::to_string(last_update) +
                                 ",\"bids\":[],\"asks\":[[\"52000000.00\",\"0.00600000\"]]}";
  std::string partial = control.read();
  if (partial != final_book) partial = control.read();
  EXPECT_EQ(partial, final_book);
}

// A WebSocket connection that keeps what the hub sends it.
class RecordingConnection final : public WsConnection {
 public:
  explicit RecordingConnection(uint64_t id) : id_(id) {}
  void send(WsMessage text) override { received.push_back(*text); }
  void send_all(std::vector<WsMessage> texts) override {
    for (const WsMessage& text : texts) received.push_back(*text);
  }
  void close() override {}
  uint64_t id() const override { return id_; }
  std::vector<std::string> received;

 private:
  uint64_t id_;
};

// A merged diff covers only blocks someone followed: when nobody follows a market's diffs for a while, the
// changes merged before are dropped, so a client that subscribes later (with a newer snapshot) never gets a
// level back that has gone since.
TEST_F(VenueTest, MergedDiffsForgetBlocksNobodyFollowed) {
  const std::optional<MarketInfo> m = venue_->market_data().market_by_symbol("BTCKZT");
  ASSERT_TRUE(m.has_value());
  StreamHub hub(&venue_->market_data());
  const auto a = std::make_shared<RecordingConnection>(1);
  const auto b = std::make_shared<RecordingConnection>(2);
  HttpRequest stream_request;
  stream_request.path = "/ws/btckzt@depth@100ms";
  ASSERT_TRUE(hub.open(stream_request, a));
  const int64_t ms = 1'000'000;
  const auto block = [&](uint64_t update_id, int64_t bid_qty) {
    BlockUpdates updates;
    updates.height = update_id;
    updates.time_ms = 1000 + static_cast<int64_t>(update_id);
    updates.depth.push_back(DepthDiff{.market = m->id, .first_update_id = update_id, .last_update_id = update_id,
                                      .bids = {Level{.price_minor = 5000000000, .qty_minor = bid_qty}}, .asks = {}});
    return updates;
  };
  hub.publish(block(1, 500), 0);                   // a bid appears; A follows
  hub.closed(1);                                   // A leaves
  hub.publish(block(2, 0), 10 * ms);               // the bid goes; nobody follows
  HttpRequest again = stream_request;
  ASSERT_TRUE(hub.open(again, b));                 // B arrives (its snapshot would be at update 2)
  hub.publish(block(3, 700), 20 * ms);             // a bid again
  hub.flush(200 * ms);
  ASSERT_EQ(b->received.size(), 1u);
  EXPECT_EQ(json_int(b->received[0], "U"), 3) << b->received[0];
  EXPECT_EQ(json_int(b->received[0], "u"), 3) << b->received[0];
  // Followed throughout: one diff covering the interval, each price at its final quantity.
  hub.publish(block(4, 0), 300 * ms);
  hub.publish(block(5, 900), 310 * ms);
  hub.flush(500 * ms);
  ASSERT_EQ(b->received.size(), 2u);
  EXPECT_EQ(json_int(b->received[1], "U"), 4) << b->received[1];
  EXPECT_EQ(json_int(b->received[1], "u"), 5) << b->received[1];
  EXPECT_NE(b->received[1].find("[\"50000000.00\",\"0.00000900\"]"), std::string::npos) << b->received[1];
}

// The operator's key, written at first start.
std::pair<std::string, std::string> operator_key(const std::string& data_dir) {
  std::ifstream in(data_dir + "/keys/operator-api.txt");
  std::string word, key, secret;
  in >> word >> key >> word >> secret;
  return {key, secret};
}

TEST_F(VenueTest, NativeApiUsersKeysDepositsAndWithdrawals) {
  Client client(venue_->port());
  const auto [op_key, op_secret] = operator_key(data_);
  ASSERT_EQ(op_key.size(), 64u);
  const auto as = [&](const std::string& key, const std::string& secret, http::verb verb, const std::string& path,
                      const std::string& params) {
    return client.request(verb, path + "?" + signed_query(params, secret, now_ms()), "", key);
  };

  // The document describes every route.
  Reply openapi = client.request(http::verb::get, "/v1/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  ASSERT_EQ(parser.parse(openapi.body).get(document), simdjson::SUCCESS) << "openapi.json is not JSON";
  for (const char* path : {"/v1/users", "/v1/keys", "/v1/deposits", "/v1/withdrawals", "/v1/markets"}) {
    EXPECT_TRUE(contains(openapi.body, std::string("\"") + path + "\"")) << path;
  }

  Reply user = as(op_key, op_secret, http::verb::post, "/v1/users", "name=Erlan&role=customer");
  ASSERT_EQ(user.status, 200) << user.body;
  const int64_t user_id = json_int(user.body, "userId");
  EXPECT_GE(user_id, 1000);
  Reply key = as(op_key, op_secret, http::verb::post, "/v1/keys",
                 "userId=" + std::to_string(user_id) + "&permissions=read,trade,withdraw&ips=127.0.0.1");
  ASSERT_EQ(key.status, 200) << key.body;
  const auto field = [](const std::string& body, const std::string& name) {
    const size_t at = body.find("\"" + name + "\":\"") + name.size() + 4;
    return body.substr(at, body.find('"', at) - at);
  };
  const std::string user_key = field(key.body, "apiKey");
  const std::string user_secret = field(key.body, "secret");

  // Roles: a customer may not create users; an unknown route is 404; a bad signature 401.
  Reply forbidden = as(user_key, user_secret, http::verb::post, "/v1/users", "name=Eve&role=operator");
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(json_int(forbidden.body, "code"), 1003) << forbidden.body;
  EXPECT_EQ(as(user_key, user_secret, http::verb::get, "/v1/nothing", "").status, 404);
  EXPECT_EQ(as(user_key, std::string(64, 'x'), http::verb::get, "/v1/me", "").status, 401);

  Reply deposit = as(op_key, op_secret, http::verb::post, "/v1/deposits",
                     "userId=" + std::to_string(user_id) + "&asset=KZT&amount=1000.50");
  ASSERT_EQ(deposit.status, 200) << deposit.body;
  EXPECT_TRUE(contains(deposit.body, "\"balance\":\"1000.50\"")) << deposit.body;
  EXPECT_EQ(as(op_key, op_secret, http::verb::post, "/v1/deposits", "userId=999999&asset=KZT&amount=1").status, 404);
  Reply bad_amount = as(op_key, op_secret, http::verb::post, "/v1/deposits",
                        "userId=" + std::to_string(user_id) + "&asset=KZT&amount=-5");
  EXPECT_EQ(bad_amount.status, 400) << bad_amount.body;

  // A withdrawal is held until approved; a rejected one comes back.
  Reply first = as(user_key, user_secret, http::verb::post, "/v1/withdrawals", "asset=KZT&amount=400&address=KZ123");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(contains(first.body, "\"status\":\"PENDING\""));
  Reply me = as(user_key, user_secret, http::verb::get, "/v1/me", "");
  EXPECT_TRUE(contains(me.body, "{\"asset\":\"KZT\",\"free\":\"600.50\",\"locked\":\"400.00\"}")) << me.body;
  Reply too_much = as(user_key, user_secret, http::verb::post, "/v1/withdrawals", "asset=KZT&amount=700&address=KZ1");
  EXPECT_EQ(too_much.status, 400) << too_much.body;
  EXPECT_EQ(json_int(too_much.body, "code"), 126) << too_much.body;  // insufficient_funds
  Reply approve = as(op_key, op_secret, http::verb::post, "/v1/withdrawals/approve",
                     "withdrawalId=" + std::to_string(json_int(first.body, "withdrawalId")));
  ASSERT_EQ(approve.status, 200) << approve.body;
  Reply second = as(user_key, user_secret, http::verb::post, "/v1/withdrawals", "asset=KZT&amount=100&address=KZ123");
  ASSERT_EQ(second.status, 200) << second.body;
  Reply reject = as(op_key, op_secret, http::verb::post, "/v1/withdrawals/reject",
                    "withdrawalId=" + std::to_string(json_int(second.body, "withdrawalId")));
  ASSERT_EQ(reject.status, 200) << reject.body;
  me = as(user_key, user_secret, http::verb::get, "/v1/me", "");
  EXPECT_TRUE(contains(me.body, "{\"asset\":\"KZT\",\"free\":\"600.50\",\"locked\":\"0.00\"}")) << me.body;
  EXPECT_TRUE(contains(me.body, "\"name\":\"Erlan\"")) << me.body;

  // The new user trades through the Binance API with the same key.
  Reply account = client.request(http::verb::get, "/api/v3/account?" + signed_query("", user_secret, now_ms()), "",
                                 user_key);
  EXPECT_TRUE(contains(account.body, "{\"asset\":\"KZT\",\"free\":\"600.50\",\"locked\":\"0.00\"}")) << account.body;
  Reply users = as(op_key, op_secret, http::verb::get, "/v1/users", "");
  EXPECT_TRUE(contains(users.body, "\"name\":\"Erlan\"") && contains(users.body, "\"name\":\"Aigerim\"")) << users.body;
  venue_->with_engine([](const Engine& engine) { EXPECT_EQ(engine.check_invariants(), ""); });
}

TEST_F(VenueTest, Ed25519KeysSignRequests) {
  ASSERT_GE(sodium_init(), 0);
  Client client(venue_->port());
  const auto [op_key, op_secret] = operator_key(data_);
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(public_key, secret_key);
  const auto base64 = [](const unsigned char* bytes, size_t size) {
    std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
  };
  const auto percent = [](const std::string& text) {
    std::string out;
    for (const char c : text) {
      if (c == '+' || c == '/' || c == '=') {
        char buffer[4];
        std::snprintf(buffer, sizeof buffer, "%%%02X", static_cast<unsigned char>(c));
        out += buffer;
      } else {
        out += c;
      }
    }
    return out;
  };
  const std::string register_params = "userId=" + std::to_string(trader_.user) + "&permissions=read,trade&publicKey=" +
                                      percent(base64(public_key, sizeof public_key));
  Reply created = client.request(http::verb::post, "/v1/keys?" + signed_query(register_params, op_secret, now_ms()),
                                 "", op_key);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_TRUE(contains(created.body, "\"type\":\"ED25519\"") && !contains(created.body, "secret")) << created.body;
  const size_t at = created.body.find("\"apiKey\":\"") + 10;
  const std::string key_id = created.body.substr(at, 64);

  const std::string message = "timestamp=" + std::to_string(now_ms()) + "&recvWindow=5000";
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key);
  Reply account = client.request(
      http::verb::get, "/api/v3/account?" + message + "&signature=" + percent(base64(signature, sizeof signature)), "",
      key_id);
  EXPECT_EQ(account.status, 200) << account.body;
  EXPECT_TRUE(contains(account.body, "\"balances\"")) << account.body;
  signature[0] ^= 1;
  Reply forged = client.request(
      http::verb::get, "/api/v3/account?" + message + "&signature=" + percent(base64(signature, sizeof signature)), "",
      key_id);
  EXPECT_EQ(forged.body, "{\"code\":-1022,\"msg\":\"Signature for this request is not valid.\"}");
}

// history.db is written without syncs; DIR/history.state says which boot opened it and whether it was closed
// cleanly. A start after a process crash on the same boot keeps it; a start that finds it left open by another
// boot (a power cut) rebuilds it from the journal, with the same answers.
TEST_F(VenueTest, HistoryLeftOpenByAnotherBootIsRebuilt) {
  std::string order_id;
  {
    Client client(venue_->port());
    order_id = place_resting_buy(client);
    ASSERT_FALSE(order_id.empty());
  }
  venue_->stop();
  venue_.reset();
  const std::string state_path = data_ + "/history.state";
  const auto read_text = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  std::string boot;
  std::ifstream("/proc/sys/kernel/random/boot_id") >> boot;
  ASSERT_FALSE(boot.empty());
  EXPECT_EQ(read_text(state_path), "qazna-history-state-v1\nboot " + boot + "\nstate clean\n");

  // A probe row that only this copy of history.db has.
  const auto set_probe = [&] {
    std::unique_ptr<sqlite::Database> db;
    ASSERT_TRUE(sqlite::Database::open(data_ + "/history.db", sqlite::OpenOptions{}, &db).is_ok());
    ASSERT_TRUE(db->exec("INSERT OR REPLACE INTO meta(key, value) VALUES('test_probe', 1)").is_ok());
  };
  const auto has_probe = [&] {
    std::unique_ptr<sqlite::Database> db;
    EXPECT_TRUE(sqlite::Database::open(data_ + "/history.db", sqlite::OpenOptions{}, &db).is_ok());
    int64_t value = 0;
    bool found = false;
    EXPECT_TRUE(db->query_i64("SELECT value FROM meta WHERE key = 'test_probe'", &value, &found).is_ok());
    return found;
  };
  const auto reopen_and_check = [&] {
    restart(data_);
    EXPECT_EQ(read_text(state_path), "qazna-history-state-v1\nboot " + boot + "\nstate open\n");
    Client client(venue_->port());
    const Reply order = get_signed(client, "/api/v3/order", "symbol=BTCKZT&orderId=" + order_id);
    EXPECT_TRUE(contains(order.body, "\"status\":\"NEW\"")) << order.body;
    venue_->stop();
    venue_.reset();
  };
  const auto write_state = [&](const std::string& which_boot) {
    std::ofstream(state_path) << "qazna-history-state-v1\nboot " << which_boot << "\nstate open\n";
  };

  // Left open by this boot (the process was killed): kept.
  set_probe();
  write_state(boot);
  reopen_and_check();
  EXPECT_TRUE(has_probe());
  // Left open by another boot (the machine stopped): rebuilt from the journal.
  write_state("00000000-0000-0000-0000-000000000000");
  reopen_and_check();
  EXPECT_FALSE(has_probe());
  EXPECT_EQ(read_text(state_path), "qazna-history-state-v1\nboot " + boot + "\nstate clean\n");
}

TEST_F(VenueTest, HistoryAheadOfTheJournalIsRebuilt) {
  // A copy of the directory as it is now (journal and history at the same height) ...
  venue_->stop();
  venue_.reset();
  const std::string earlier = temp_ + "/earlier";
  std::filesystem::copy(data_, earlier, std::filesystem::copy_options::recursive);
  // ... then an order in the original, whose history.db is put into the copy: history ahead of its journal,
  // as when a journal's torn tail was cut.
  restart(data_);
  std::string order_id;
  {
    Client client(venue_->port());
    order_id = place_resting_buy(client);
    ASSERT_FALSE(order_id.empty());
    EXPECT_EQ(get_signed(client, "/api/v3/order", "symbol=BTCKZT&orderId=" + order_id).status, 200);
  }
  venue_->stop();
  venue_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(earlier + "/history.db" + suffix);
  std::filesystem::copy_file(data_ + "/history.db", earlier + "/history.db");

  restart(earlier);
  Client client(venue_->port());
  EXPECT_EQ(get_signed(client, "/api/v3/order", "symbol=BTCKZT&orderId=" + order_id).body,
            "{\"code\":-2013,\"msg\":\"Order does not exist.\"}");
  EXPECT_EQ(get_signed(client, "/api/v3/openOrders", "symbol=BTCKZT").body, "[]");
}

}  // namespace
}  // namespace qz::server
