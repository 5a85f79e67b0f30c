// Crash test of the server: place orders on `qazna demo`, kill -9 it in the middle of a burst of requests, start
// `qazna serve` on the same directory, and check that what was acknowledged is exactly there (DESIGN.md
// section 1.4, docs/server.md): every acknowledged order exists with its acknowledged status or a later one
// (final ones unchanged), open orders are the open ones, every acknowledged fill is in myTrades, balances equal
// the deposits plus the fills history shows, books are ordered and uncrossed with update ids no lower than any
// seen before the kill; after the server stops, `qazna verify` and `qazna history check` pass. Three rounds kill
// at different points of the burst; three traders send at once, so several requests are in flight at the kill.
//
// Orders whose request was in flight at the kill may or may not exist; they are looked up by client order id, and
// nothing else may exist. The demo's market maker keeps trading until the kill, so an acknowledged open order may
// have filled after its acknowledgement: statuses are compared as "the same or later".
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/api_keys.h"

extern char** environ;

namespace qz::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// --- child processes ------------------------------------------------------------------------------------------

std::string read_text(const std::string& path) {
  std::string text;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return text;
  char buffer[4096];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
  std::fclose(file);
  return text;
}

// A `qazna` child with stdout and stderr in `out_path`; killed (SIGKILL) if still running when dropped.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& out_path) : out_path_(out_path) {
    const char* bin = std::getenv("QZ_BIN");
    if (bin == nullptr) return;
    std::vector<std::string> storage = {bin};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attributes;  // the test ignores SIGPIPE; the child gets the default back
    posix_spawnattr_init(&attributes);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
    if (posix_spawn(&pid_, bin, &actions, &attributes, argv.data(), environ) != 0) pid_ = -1;
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  // Waits until the output holds `needle` (true) or `seconds` pass or the child exits (false).
  bool wait_for(const std::string& needle, int seconds) const {
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
      if (output().find(needle) != std::string::npos) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return output().find(needle) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void signal(int number) const {
    if (pid_ > 0) ::kill(pid_, number);
  }
  // The wait status once it has ended.
  int wait() {
    int status = 0;
    if (pid_ > 0) {
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
    return status;
  }
  std::string output() const { return read_text(out_path_); }

 private:
  std::string out_path_;
  pid_t pid_ = -1;
};

// Runs `qazna args` to its end; the exit code (-1 when it did not exit normally) and its output.
int run_qazna(const std::vector<std::string>& args, const std::string& out_path, std::string* output) {
  Child child(args, out_path);
  if (!child.started()) return -1;
  const int status = child.wait();
  *output = read_text(out_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// --- HTTP -------------------------------------------------------------------------------------------------------

struct Reply {
  int status = 0;  // 0: no answer (connection refused, reset or closed)
  std::string body;
};

// One keep-alive connection; after a transport error every request answers status 0.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    beast::error_code ec;
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    broken_ = static_cast<bool>(ec);
  }
  Reply request(http::verb verb, const std::string& target, const std::string& body = "",
                const std::string& api_key = "") {
    Reply reply;
    if (broken_) return reply;
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!api_key.empty()) request.set("X-MBX-APIKEY", api_key);
    if (!body.empty()) request.set(http::field::content_type, "application/x-www-form-urlencoded");
    request.body() = body;
    request.prepare_payload();
    beast::error_code ec;
    http::write(socket_, request, ec);
    http::response<http::string_body> response;
    if (!ec) http::read(socket_, buffer_, response, ec);
    if (ec) {
      broken_ = true;
      return reply;
    }
    reply.status = static_cast<int>(response.result_int());
    reply.body = response.body();
    return reply;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  bool broken_ = false;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Trader {
  std::string name;
  std::string api_key;
  std::string secret;
};

std::string signed_query(const std::string& params, const std::string& secret) {
  const std::string message =
      params + (params.empty() ? "" : "&") + "timestamp=" + std::to_string(now_ms()) + "&recvWindow=5000";
  return message + "&signature=" + hmac_sha256_hex(secret, message);
}

Reply get_signed(Client& client, const Trader& trader, const std::string& path, const std::string& params) {
  return client.request(http::verb::get, path + "?" + signed_query(params, trader.secret), "", trader.api_key);
}

// --- JSON and decimals --------------------------------------------------------------------------------------------

std::string text_of(simdjson::dom::element object, const char* key) {
  std::string_view text;
  return object[key].get_string().get(text) == simdjson::SUCCESS ? std::string(text) : std::string();
}

int64_t int_of(simdjson::dom::element object, const char* key) {
  int64_t value = -1;
  return object[key].get_int64().get(value) == simdjson::SUCCESS ? value : -1;
}

bool bool_of(simdjson::dom::element object, const char* key) {
  bool value = false;
  return object[key].get_bool().get(value) == simdjson::SUCCESS && value;
}

// Exact decimal text ("123.45", "0.0001") as minor units at `scale`; -1 on anything else.
int64_t minor_units(const std::string& text, int scale) {
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.find_first_not_of("0123456789") != std::string::npos ||
      fraction.find_first_not_of("0123456789") != std::string::npos || fraction.size() > static_cast<size_t>(scale)) {
    return -1;
  }
  fraction.append(static_cast<size_t>(scale) - fraction.size(), '0');
  return std::stoll(whole + fraction);
}

const std::map<std::string, int> kAssetScales = {{"KZT", 2}, {"BTC", 8}, {"ETH", 8}, {"USDT", 6}};
// What each demo trader is given (docs/server.md, "The demo venue").
const std::map<std::string, std::string> kDeposits = {
    {"KZT", "25000000.00"}, {"BTC", "2"}, {"ETH", "40"}, {"USDT", "50000"}};

struct MarketSpec {
  const char* symbol;
  const char* base;
  const char* quote;
};
constexpr MarketSpec kMarkets[] = {{"BTCKZT", "BTC", "KZT"},
                                   {"ETHKZT", "ETH", "KZT"},
                                   {"USDTKZT", "USDT", "KZT"},
                                   {"BTCUSDT", "BTC", "USDT"},
                                   {"ETHUSDT", "ETH", "USDT"}};
constexpr const char* kTradedSymbols[] = {"BTCKZT", "ETHKZT"};  // where the workload places orders

struct FillView {
  int64_t trade_id = 0;
  std::string price;
  std::string qty;
  std::string commission;
};

// An order as a POST, DELETE or GET /api/v3/order answer shows it.
struct OrderView {
  std::string symbol;
  int64_t order_id = -1;
  std::string client_id;
  std::string side;
  std::string type;
  std::string price;
  std::string orig_qty;
  std::string executed_qty;
  std::string cumulative_quote;
  std::string status;
  std::vector<FillView> fills;
};

OrderView order_of(simdjson::dom::element object) {
  OrderView view;
  view.symbol = text_of(object, "symbol");
  view.order_id = int_of(object, "orderId");
  view.client_id = text_of(object, "clientOrderId");
  view.side = text_of(object, "side");
  view.type = text_of(object, "type");
  view.price = text_of(object, "price");
  view.orig_qty = text_of(object, "origQty");
  view.executed_qty = text_of(object, "executedQty");
  view.cumulative_quote = text_of(object, "cummulativeQuoteQty");
  view.status = text_of(object, "status");
  simdjson::dom::array fills;
  if (object["fills"].get_array().get(fills) == simdjson::SUCCESS) {
    for (simdjson::dom::element fill : fills) {
      view.fills.push_back(FillView{.trade_id = int_of(fill, "tradeId"),
                                    .price = text_of(fill, "price"),
                                    .qty = text_of(fill, "qty"),
                                    .commission = text_of(fill, "commission")});
    }
  }
  return view;
}

bool parse_order(const std::string& body, OrderView* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || !doc.is_object()) return false;
  *out = order_of(doc);
  return out->order_id > 0;
}

bool is_final(const std::string& status) {
  return status == "FILLED" || status == "CANCELED" || status == "EXPIRED" || status == "EXPIRED_IN_MATCH";
}
bool is_open(const std::string& status) { return status == "NEW" || status == "PARTIALLY_FILLED"; }
// `now` is `acknowledged` or a status an order can reach from it.
bool same_or_later(const std::string& acknowledged, const std::string& now) {
  if (now == acknowledged) return true;
  if (is_final(acknowledged)) return false;
  if (acknowledged == "PARTIALLY_FILLED") return now != "NEW";
  return acknowledged == "NEW" && (is_open(now) || is_final(now));
}

// --- the workload ------------------------------------------------------------------------------------------------

// What one trader's thread sent and heard.
struct Session {
  Trader trader;
  std::vector<OrderView> acknowledged;  // order answers with status 200 (placed, or cancelled)
  std::vector<std::string> rejected;    // client order ids of orders answered with an error: they must not exist
  std::vector<std::string> refusals;    // the error answers (orders and cancels)
  std::vector<std::string> in_flight;   // client order ids sent without an answer
  int transport_errors = 0;
};

// Operation `k` of a trader's workload: rests beyond the market maker's prices (which stay within 10% of the
// opening price), takes from its quotes, cancels its own resting buys. Limit prices stay clear of the traders'
// own resting orders.
struct Operation {
  bool cancel = false;
  std::string params;  // of the POST, without newClientOrderId
};
Operation operation(int k, int64_t last_rest_buy) {
  switch (k % 7) {
    case 0: return {false, "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0003&price=" +
                               std::to_string(46'000'000 + (k % 5) * 100)};
    case 1: return {false, "symbol=BTCKZT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.0004&price=53000000"};
    case 2: return {false, "symbol=ETHKZT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=" +
                               std::to_string(1'950'000 + (k % 3) * 10)};
    case 3: return {last_rest_buy > 0, "symbol=BTCKZT&orderId=" + std::to_string(last_rest_buy)};
    case 4: return {false, "symbol=ETHKZT&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.01&price=1710000"};
    case 5: return {false, "symbol=ETHKZT&side=BUY&type=MARKET&quantity=0.005"};
    default: return {false, "symbol=BTCKZT&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.0003&price=51000000"};
  }
}

// Runs operations [first, last) of `session`'s workload on `client` until one gets no answer or `stop` is set.
// Every 200 answer counts in `acks`. Returns false when a request got no answer.
bool run_operations(Client& client, Session* session, int round, int first, int last, std::atomic<int>* acks,
                    const std::atomic<bool>* stop) {
  int64_t last_rest_buy = 0;
  for (const OrderView& order : session->acknowledged) {
    if (order.symbol == "BTCKZT" && order.side == "BUY" && order.status == "NEW") last_rest_buy = order.order_id;
  }
  for (int k = first; k < last; k++) {
    if (stop != nullptr && stop->load()) return true;
    const Operation op = operation(k, last_rest_buy);
    if (k % 7 == 3 && !op.cancel) continue;
    const std::string client_id = "crash" + std::to_string(round) + "-" + session->trader.name + "-" + std::to_string(k);
    Reply reply;
    if (op.cancel) {
      reply = client.request(http::verb::delete_, "/api/v3/order?" + signed_query(op.params, session->trader.secret),
                             "", session->trader.api_key);
      last_rest_buy = 0;
    } else {
      const std::string params = op.params + "&newClientOrderId=" + client_id + "&newOrderRespType=FULL";
      reply = client.request(http::verb::post, "/api/v3/order", signed_query(params, session->trader.secret),
                             session->trader.api_key);
    }
    if (reply.status == 0) {
      session->transport_errors++;
      if (!op.cancel) session->in_flight.push_back(client_id);
      return false;
    }
    if (reply.status != 200) {
      if (!op.cancel) session->rejected.push_back(client_id);
      session->refusals.push_back(reply.body);
      continue;
    }
    OrderView order;
    if (!parse_order(reply.body, &order)) {
      ADD_FAILURE() << "not an order: " << reply.body;
      continue;
    }
    if (!op.cancel) {
      EXPECT_EQ(order.client_id, client_id) << reply.body;
      if (k % 7 == 0 && order.status == "NEW") last_rest_buy = order.order_id;
    }
    session->acknowledged.push_back(order);
    if (acks != nullptr) acks->fetch_add(1);
  }
  return true;
}

// A depth snapshot in minor units.
struct Depth {
  int64_t last_update_id = -1;
  std::vector<std::pair<int64_t, int64_t>> bids;  // price, qty in minor units
  std::vector<std::pair<int64_t, int64_t>> asks;
};

bool parse_depth(const std::string& body, const MarketSpec& market, Depth* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return false;
  out->last_update_id = int_of(doc, "lastUpdateId");
  for (const auto& [name, side] : {std::pair{"bids", &out->bids}, std::pair{"asks", &out->asks}}) {
    simdjson::dom::array levels;
    if (doc[name].get_array().get(levels) != simdjson::SUCCESS) return false;
    for (simdjson::dom::element level : levels) {
      simdjson::dom::array pair;
      std::string_view price;
      std::string_view qty;
      if (level.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
          pair.at(0).get_string().get(price) != simdjson::SUCCESS ||
          pair.at(1).get_string().get(qty) != simdjson::SUCCESS) {
        return false;
      }
      side->emplace_back(minor_units(std::string(price), kAssetScales.at(market.quote)),
                         minor_units(std::string(qty), kAssetScales.at(market.base)));
    }
  }
  return out->last_update_id >= 0;
}

const MarketSpec& market_spec(const std::string& symbol) {
  for (const MarketSpec& m : kMarkets) {
    if (symbol == m.symbol) return m;
  }
  return kMarkets[0];
}

// --- the test -----------------------------------------------------------------------------------------------------

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::getenv("QZ_BIN"), nullptr) << "QZ_BIN must name the qazna binary";
    ::signal(SIGPIPE, SIG_IGN);  // a write to a killed server must fail, not end the test
    char pattern[] = "/tmp/qz-crash-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    temp_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(temp_, ignored);
  }

  void run_round(int round, int kill_after_acks);

  std::string temp_;
};

// The port after `prefix` in `text` (0 when absent).
uint16_t port_after(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return 0;
  const size_t colon = text.find(':', at + prefix.size());
  if (colon == std::string::npos) return 0;
  return static_cast<uint16_t>(std::stoul(text.substr(colon + 1)));
}

// The demo's traders from its banner: "  NAME  user N  apiKey KEY" then "             secret SECRET".
std::vector<Trader> traders_of(const std::string& banner) {
  std::vector<Trader> traders;
  size_t at = 0;
  while ((at = banner.find("  apiKey ", at)) != std::string::npos) {
    const size_t line_start = banner.rfind('\n', at) + 1;
    Trader trader;
    trader.name = banner.substr(line_start + 2, banner.find(' ', line_start + 2) - line_start - 2);
    const size_t key_start = at + 9;
    trader.api_key = banner.substr(key_start, banner.find('\n', key_start) - key_start);
    const size_t secret = banner.find("secret ", key_start);
    if (secret == std::string::npos) break;
    trader.secret = banner.substr(secret + 7, banner.find('\n', secret) - secret - 7);
    traders.push_back(trader);
    at = key_start;
  }
  return traders;
}

void CrashTest::run_round(int round, int kill_after_acks) {
  SCOPED_TRACE("round " + std::to_string(round) + ", kill after " + std::to_string(kill_after_acks) +
               " acknowledgements of the burst");
  const std::string data = temp_ + "/venue-" + std::to_string(round);

  // 1. The demo venue, its URL and the traders' keys from its banner.
  auto demo = std::make_unique<Child>(std::vector<std::string>{"demo", "--data", data, "--port", "0"},
                                      temp_ + "/demo-" + std::to_string(round) + ".out");
  ASSERT_TRUE(demo->started());
  ASSERT_TRUE(demo->wait_for("Ctrl-C stops the venue.", 30)) << demo->output();
  const std::string banner = demo->output();
  ASSERT_NE(banner.find("(data in " + data + ")"), std::string::npos) << banner;
  const uint16_t demo_port = port_after(banner, "Qazna demo venue: http://127.0.0.1");
  ASSERT_NE(demo_port, 0) << banner;
  const std::vector<Trader> traders = traders_of(banner);
  ASSERT_EQ(traders.size(), 3u) << banner;
  for (const Trader& trader : traders) ASSERT_EQ(trader.api_key.size(), 64u) << banner;

  // 2. Each trader, one after the other: one of every operation, all acknowledged.
  std::vector<Session> sessions(traders.size());
  for (size_t t = 0; t < traders.size(); t++) {
    sessions[t].trader = traders[t];
    Client client(demo_port);
    ASSERT_TRUE(run_operations(client, &sessions[t], round, 0, 7, nullptr, nullptr));
    ASSERT_EQ(sessions[t].rejected.size(), 0u) << traders[t].name;
    ASSERT_EQ(sessions[t].acknowledged.size(), 7u) << traders[t].name;
  }

  // 3. The burst: every trader at once on its own connection; the depth watched on another; kill -9 once
  // `kill_after_acks` answers of the burst have arrived.
  std::map<std::string, int64_t> seen_update_id;
  Client watcher(demo_port);
  const auto watch = [&] {
    for (const char* symbol : kTradedSymbols) {
      const Reply reply = watcher.request(http::verb::get, std::string("/api/v3/depth?symbol=") + symbol + "&limit=5");
      Depth depth;
      if (reply.status == 200 && parse_depth(reply.body, market_spec(symbol), &depth)) {
        seen_update_id[symbol] = std::max(seen_update_id[symbol], depth.last_update_id);
      }
    }
  };
  watch();
  std::atomic<int> acks{0};
  std::atomic<bool> stop{false};
  std::atomic<int> running{static_cast<int>(traders.size())};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < traders.size(); t++) {
    threads.emplace_back([&, t] {
      Client client(demo_port);
      run_operations(client, &sessions[t], round, 7, 60, &acks, &stop);
      running.fetch_sub(1);
    });
  }
  // The depth every 20 ms (the venue's request-weight limit, 6,000 a minute, is per IP and shared with the
  // traders), until the kill.
  std::thread watcher_thread([&] {
    while (!stop.load()) {
      watch();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (acks.load() < kill_after_acks && running.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  const bool mid_burst = running.load() > 0;
  demo->signal(SIGKILL);
  const int demo_status = demo->wait();
  stop.store(true);
  for (std::thread& thread : threads) thread.join();
  watcher_thread.join();
  ASSERT_TRUE(mid_burst) << "the burst ended before the kill";
  ASSERT_TRUE(WIFSIGNALED(demo_status) && WTERMSIG(demo_status) == SIGKILL);
  EXPECT_GE(acks.load(), kill_after_acks);
  size_t unanswered = 0;
  size_t fills = 0;
  for (const Session& session : sessions) {
    unanswered += static_cast<size_t>(session.transport_errors);
    for (const OrderView& order : session.acknowledged) fills += order.fills.size();
  }
  size_t acknowledged = 0;
  size_t cut_off = 0;
  for (const Session& session : sessions) {
    acknowledged += session.acknowledged.size();
    cut_off += session.in_flight.size();
  }
  std::printf("round %d: killed after %d answers of the burst; %zu orders and cancels acknowledged with %zu fills, "
              "%zu orders cut off\n",
              round, acks.load(), acknowledged, fills, cut_off);
  for (const Session& session : sessions) {
    // The workload is funded and priced so that nothing is refused; a refusal (a rate limit) would hollow it out.
    EXPECT_TRUE(session.refusals.empty()) << session.trader.name << ": " << session.refusals.front();
  }
  EXPECT_GE(unanswered, 1u) << "the kill should cut requests off";
  EXPECT_GT(fills, 0u) << "some orders should have traded against the market maker";
  EXPECT_EQ(seen_update_id.size(), 2u);

  // 4. The same directory under `qazna serve`.
  auto serve = std::make_unique<Child>(std::vector<std::string>{"serve", "--data", data, "--port", "0"},
                                       temp_ + "/serve-" + std::to_string(round) + ".out");
  ASSERT_TRUE(serve->wait_for("listening on http://", 30)) << serve->output();
  const uint16_t port = port_after(serve->output(), "listening on http://127.0.0.1");
  ASSERT_NE(port, 0) << serve->output();
  Client client(port);

  for (Session& session : sessions) {
    const Trader& trader = session.trader;
    SCOPED_TRACE(trader.name);
    // Every acknowledged order, as it is now.
    std::map<int64_t, OrderView> now;  // by order id
    for (const OrderView& acked : session.acknowledged) {
      if (now.count(acked.order_id) == 0) {
        const Reply reply = get_signed(client, trader, "/api/v3/order",
                                       "symbol=" + acked.symbol + "&orderId=" + std::to_string(acked.order_id));
        ASSERT_EQ(reply.status, 200) << "acknowledged order " << acked.order_id << " is gone: " << reply.body;
        ASSERT_TRUE(parse_order(reply.body, &now[acked.order_id])) << reply.body;
      }
      const OrderView& current = now.at(acked.order_id);
      EXPECT_EQ(current.symbol, acked.symbol);
      EXPECT_EQ(current.side, acked.side);
      EXPECT_EQ(current.type, acked.type);
      EXPECT_EQ(current.price, acked.price) << acked.order_id;
      EXPECT_EQ(current.orig_qty, acked.orig_qty) << acked.order_id;
      EXPECT_TRUE(same_or_later(acked.status, current.status))
          << "order " << acked.order_id << " was acknowledged " << acked.status << ", now " << current.status;
      const int base_scale = kAssetScales.at(market_spec(acked.symbol).base);
      EXPECT_GE(minor_units(current.executed_qty, base_scale), minor_units(acked.executed_qty, base_scale))
          << acked.order_id;
      if (is_final(acked.status)) {
        EXPECT_EQ(current.executed_qty, acked.executed_qty) << acked.order_id;
        EXPECT_EQ(current.cumulative_quote, acked.cumulative_quote) << acked.order_id;
      }
    }
    // Orders whose request was cut off exist or not; orders answered with an error do not.
    for (const std::string& client_id : session.in_flight) {
      for (const char* symbol : kTradedSymbols) {
        const Reply reply = get_signed(client, trader, "/api/v3/order",
                                       std::string("symbol=") + symbol + "&origClientOrderId=" + client_id);
        if (reply.status == 200) {
          OrderView order;
          ASSERT_TRUE(parse_order(reply.body, &order)) << reply.body;
          now[order.order_id] = order;
        } else {
          EXPECT_NE(reply.body.find("-2013"), std::string::npos) << reply.body;
        }
      }
    }
    for (const std::string& client_id : session.rejected) {
      for (const char* symbol : kTradedSymbols) {
        const Reply reply = get_signed(client, trader, "/api/v3/order",
                                       std::string("symbol=") + symbol + "&origClientOrderId=" + client_id);
        EXPECT_NE(reply.body.find("-2013"), std::string::npos) << client_id << ": " << reply.body;
      }
    }

    // allOrders: exactly the acknowledged orders and those of the cut-off requests that were made durable.
    std::set<int64_t> all;
    for (const char* symbol : kTradedSymbols) {
      const Reply reply = get_signed(client, trader, "/api/v3/allOrders", std::string("symbol=") + symbol + "&limit=1000");
      ASSERT_EQ(reply.status, 200) << reply.body;
      simdjson::dom::parser parser;
      simdjson::dom::array orders;
      ASSERT_EQ(parser.parse(reply.body).get_array().get(orders), simdjson::SUCCESS) << reply.body;
      for (simdjson::dom::element element : orders) {
        const OrderView order = order_of(element);
        all.insert(order.order_id);
        ASSERT_EQ(now.count(order.order_id), 1u) << "an order nobody was told about: " << order.order_id;
        EXPECT_EQ(order.status, now.at(order.order_id).status);
        EXPECT_EQ(order.executed_qty, now.at(order.order_id).executed_qty);
      }
    }
    EXPECT_EQ(all.size(), now.size());

    // openOrders: exactly the orders that are open now.
    {
      const Reply reply = get_signed(client, trader, "/api/v3/openOrders", "");
      ASSERT_EQ(reply.status, 200) << reply.body;
      simdjson::dom::parser parser;
      simdjson::dom::array orders;
      ASSERT_EQ(parser.parse(reply.body).get_array().get(orders), simdjson::SUCCESS) << reply.body;
      std::set<int64_t> open;
      for (simdjson::dom::element element : orders) open.insert(order_of(element).order_id);
      std::set<int64_t> expected;
      for (const auto& [id, order] : now) {
        if (is_open(order.status)) expected.insert(id);
      }
      EXPECT_EQ(open, expected);
    }

    // myTrades: every acknowledged fill, and fills that add up to each order's executed quantity. Balances are
    // the deposits moved by exactly these fills.
    std::map<std::string, int64_t> expected_total;
    for (const auto& [asset, amount] : kDeposits) expected_total[asset] = minor_units(amount, kAssetScales.at(asset));
    std::map<int64_t, int64_t> executed_by_order;  // base minor units
    // This trader's fills by (trade id, order id): a self-trade is two rows with one trade id, one per order.
    std::map<std::pair<int64_t, int64_t>, FillView> trades;
    for (const MarketSpec& m : kMarkets) {
      const Reply reply = get_signed(client, trader, "/api/v3/myTrades", std::string("symbol=") + m.symbol + "&limit=1000");
      ASSERT_EQ(reply.status, 200) << reply.body;
      simdjson::dom::parser parser;
      simdjson::dom::array rows;
      ASSERT_EQ(parser.parse(reply.body).get_array().get(rows), simdjson::SUCCESS) << reply.body;
      ASSERT_LT(rows.size(), 1000u);
      const int base = kAssetScales.at(m.base);
      const int quote = kAssetScales.at(m.quote);
      for (simdjson::dom::element row : rows) {
        const int64_t qty = minor_units(text_of(row, "qty"), base);
        const int64_t quote_qty = minor_units(text_of(row, "quoteQty"), quote);
        const std::string fee_asset = text_of(row, "commissionAsset");
        ASSERT_EQ(kAssetScales.count(fee_asset), 1u) << reply.body;
        const int64_t fee = minor_units(text_of(row, "commission"), kAssetScales.at(fee_asset));
        ASSERT_TRUE(qty > 0 && quote_qty > 0 && fee >= 0) << reply.body;
        const bool buyer = bool_of(row, "isBuyer");
        expected_total[m.base] += buyer ? qty : -qty;
        expected_total[m.quote] += buyer ? -quote_qty : quote_qty;
        expected_total[fee_asset] -= fee;
        const int64_t order_id = int_of(row, "orderId");
        EXPECT_EQ(now.count(order_id), 1u) << "a fill of an unknown order: " << order_id;
        executed_by_order[order_id] += qty;
        trades[{int_of(row, "id"), order_id}] = FillView{.trade_id = int_of(row, "id"),
                                             .price = text_of(row, "price"),
                                             .qty = text_of(row, "qty"),
                                             .commission = text_of(row, "commission")};
      }
    }
    for (const OrderView& acked : session.acknowledged) {
      for (const FillView& fill : acked.fills) {
        const std::pair<int64_t, int64_t> key{fill.trade_id, acked.order_id};
        ASSERT_EQ(trades.count(key), 1u) << "acknowledged fill " << fill.trade_id << " of order "
                                                   << acked.order_id << " is not in myTrades";
        EXPECT_EQ(trades.at(key).price, fill.price);
        EXPECT_EQ(trades.at(key).qty, fill.qty);
        EXPECT_EQ(trades.at(key).commission, fill.commission);
      }
    }
    for (const auto& [id, order] : now) {
      const int base_scale = kAssetScales.at(market_spec(order.symbol).base);
      const int64_t executed = executed_by_order.count(id) ? executed_by_order.at(id) : 0;
      EXPECT_EQ(executed, minor_units(order.executed_qty, base_scale)) << "order " << id;
    }

    const Reply account = get_signed(client, trader, "/api/v3/account", "");
    ASSERT_EQ(account.status, 200) << account.body;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(account.body).get(doc), simdjson::SUCCESS) << account.body;
    simdjson::dom::array balances;
    ASSERT_EQ(doc["balances"].get_array().get(balances), simdjson::SUCCESS) << account.body;
    std::set<std::string> assets;
    for (simdjson::dom::element balance : balances) {
      const std::string asset = text_of(balance, "asset");
      ASSERT_EQ(kAssetScales.count(asset), 1u) << account.body;
      assets.insert(asset);
      const int64_t free = minor_units(text_of(balance, "free"), kAssetScales.at(asset));
      const int64_t locked = minor_units(text_of(balance, "locked"), kAssetScales.at(asset));
      EXPECT_GE(free, 0) << asset << " " << account.body;
      EXPECT_GE(locked, 0) << asset << " " << account.body;
      EXPECT_EQ(free + locked, expected_total.at(asset)) << asset << ": the balance is not the deposit plus the fills";
    }
    EXPECT_EQ(assets.size(), kAssetScales.size()) << account.body;
  }

  // The books: ordered, uncrossed, no older than what was seen before the kill, holding every open order.
  std::map<std::string, std::map<std::pair<std::string, int64_t>, int64_t>> open_at;  // symbol -> (side, price) -> qty
  for (Session& session : sessions) {
    const Reply reply = get_signed(client, session.trader, "/api/v3/openOrders", "");
    simdjson::dom::parser parser;
    simdjson::dom::array orders;
    ASSERT_EQ(parser.parse(reply.body).get_array().get(orders), simdjson::SUCCESS) << reply.body;
    for (simdjson::dom::element element : orders) {
      const OrderView order = order_of(element);
      const MarketSpec& m = market_spec(order.symbol);
      open_at[order.symbol][{order.side, minor_units(order.price, kAssetScales.at(m.quote))}] +=
          minor_units(order.orig_qty, kAssetScales.at(m.base)) - minor_units(order.executed_qty, kAssetScales.at(m.base));
    }
  }
  for (const char* symbol : kTradedSymbols) {
    SCOPED_TRACE(symbol);
    const Reply reply = client.request(http::verb::get, std::string("/api/v3/depth?symbol=") + symbol + "&limit=5000");
    ASSERT_EQ(reply.status, 200) << reply.body;
    Depth depth;
    ASSERT_TRUE(parse_depth(reply.body, market_spec(symbol), &depth)) << reply.body;
    EXPECT_GE(depth.last_update_id, seen_update_id[symbol]);
    for (size_t i = 0; i < depth.bids.size(); i++) {
      EXPECT_GT(depth.bids[i].second, 0);
      if (i > 0) {
        EXPECT_LT(depth.bids[i].first, depth.bids[i - 1].first) << reply.body;
      }
    }
    for (size_t i = 0; i < depth.asks.size(); i++) {
      EXPECT_GT(depth.asks[i].second, 0);
      if (i > 0) {
        EXPECT_GT(depth.asks[i].first, depth.asks[i - 1].first) << reply.body;
      }
    }
    if (!depth.bids.empty() && !depth.asks.empty()) {
      EXPECT_LT(depth.bids[0].first, depth.asks[0].first) << reply.body;
    }
    for (const auto& [where, qty] : open_at[symbol]) {
      const auto& levels = where.first == "BUY" ? depth.bids : depth.asks;
      int64_t level_qty = 0;
      for (const auto& [price, total] : levels) {
        if (price == where.second) level_qty = total;
      }
      EXPECT_GE(level_qty, qty) << where.first << " at " << where.second << " is missing from the book";
    }
  }

  // 5. Stopped gracefully, the directory verifies and its history equals a rebuild from the journal.
  serve->signal(SIGTERM);
  const int serve_status = serve->wait();
  EXPECT_TRUE(WIFEXITED(serve_status) && WEXITSTATUS(serve_status) == 0) << serve->output();
  std::string output;
  EXPECT_EQ(run_qazna({"verify", "--data", data}, temp_ + "/verify.out", &output), 0) << output;
  EXPECT_EQ(run_qazna({"history", "check", "--data", data}, temp_ + "/check.out", &output), 0) << output;
}

TEST_F(CrashTest, KillNineInABurstLosesNothingAcknowledged) {
  const auto start = Clock::now();
  // Early in the burst, in its middle, and late.
  const int kill_points[] = {2, 30, 90};
  for (int round = 0; round < 3; round++) {
    run_round(round, kill_points[round]);
    if (HasFatalFailure()) return;
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(60));
}

}  // namespace
}  // namespace qz::server
