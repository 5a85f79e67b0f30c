// The WebSocket market streams (api/binance-spot-subset.md section 6): connections, subscriptions, control
// messages and the fan-out of each durable block's changes.
//
// Endpoints: /ws/<stream> (one stream, bare payloads), /ws and /ws/<anything without '@'> (none yet, bare),
// /stream?streams=a/b/c and /stream (combined: every payload wrapped as {"stream":name,"data":payload}).
// Streams: <symbol>@trade, @aggTrade, @depth and @depth@100ms|@1000ms (diffs), @depth5|10|20 with the same
// suffixes (top of book), @kline_<interval>, @bookTicker, @miniTicker, @ticker. Symbols are lower case.
//
// Diffs follow the engine's per-market update ids. As on Binance, a diff stream sends the book's changes merged
// over its interval: @depth@100ms every 100 ms, @depth and @depth@1000ms every second; a diff covers [U, u] with
// U = the previous diff's u + 1 and each changed price once with its final quantity, so a client that buffers
// them against a REST snapshot never sees a gap. An interval without a change sends nothing. The partial books
// (@depth5|10|20) go out at the same intervals when the book changed; kline updates once a second (and a candle
// that closes at once). Trades, book tickers and tickers are sent with each block.
//
// Control messages: SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY / GET_PROPERTY "combined". Errors
// are {"error":{"code":C,"msg":M},"id":ID}: 0 unknown property, 1 wrong value type, 2 invalid request, 3 invalid
// JSON. Limits: at most 1024 streams and 10 control messages a second per connection (more closes it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "market/candles.h"
#include "server/http_server.h"
#include "server/market_data.h"

namespace qz::server {

enum class StreamKind : uint8_t { trade, agg_trade, depth_diff, depth_top, kline, book_ticker, mini_ticker, ticker };

struct StreamName {
  std::string symbol;  // upper case, as in REST
  StreamKind kind = StreamKind::trade;
  CandleInterval interval = CandleInterval::m1;  // kline
  uint32_t levels = 0;                                  // depth_top: 5, 10 or 20
};
// Parses "btcusdt@depth@100ms" and the like; false for anything that is not a stream name of section 6.
[[nodiscard]] bool parse_stream_name(std::string_view text, StreamName* out);

// What a control message asks (parse_control). Exposed for the fuzz target and tests.
struct ControlMessage {
  enum class Method : uint8_t { subscribe, unsubscribe, list, set_property, get_property };
  Method method = Method::subscribe;
  std::vector<std::string> params;  // stream names (subscribe, unsubscribe) or the property's name
  std::optional<bool> value;        // set_property's value
  std::string id_json = "null";     // the request's id, as JSON to echo back
};
struct ControlError {
  int code = 0;
  std::string message;
  std::string id_json = "null";
};
// Parses one client text frame. On failure *error holds the reply's code and message.
[[nodiscard]] bool parse_control(std::string_view text, ControlMessage* out, ControlError* error);

class StreamHub {
 public:
  explicit StreamHub(const MarketData* market);

  // A WebSocket upgrade to `path`?`query`; false refuses it (not a stream endpoint, or a bad stream list).
  bool open(const HttpRequest& request, const std::shared_ptr<WsConnection>& connection);
  void message(const std::shared_ptr<WsConnection>& connection, std::string_view text, int64_t now_ms);
  void closed(uint64_t connection_id);
  // Forgets every connection (at shutdown, before the server's I/O context that owns their sockets goes away).
  void drop_all();
  // One durable block's changes (the projector's thread), at `now_ns` on a steady clock.
  void publish(const BlockUpdates& updates, int64_t now_ns);
  // Sends the merged diffs, partial books and kline updates that are due at `now_ns`. Returns when it next has
  // something due (steady ns), or 0 when nothing waits.
  int64_t flush(int64_t now_ns);

  size_t connections() const;
  size_t subscriptions() const;
  uint64_t messages_sent() const;

 private:
  struct Connection {
    std::shared_ptr<WsConnection> socket;
    bool combined = false;
    std::set<std::string> streams;
    int64_t window_start_ms = 0;
    uint32_t window_messages = 0;
  };
  struct Candle {
    int64_t open_time_ms = -1;  // -1: none yet
    int64_t open = 0, high = 0, low = 0, close = 0;
    int64_t volume = 0, quote_volume = 0, taker_buy_volume = 0, taker_buy_quote = 0;
    uint64_t first_id = 0, last_id = 0, count = 0;
  };

  // A market's book changes over one interval of a diff stream, merged.
  struct PendingDiff {
    uint64_t first_update_id = 0;
    uint64_t last_update_id = 0;
    int64_t event_ms = 0;
    std::map<int64_t, int64_t> bids;  // price -> final quantity
    std::map<int64_t, int64_t> asks;
  };
  // One interval (100 ms or 1000 ms) of the diff and partial-book streams.
  struct Interval {
    int64_t period_ns = 0;
    const char* diff_suffixes[2] = {nullptr, nullptr};  // "@depth" stream names of this interval
    const char* top_suffixes[2] = {nullptr, nullptr};   // after "@depth<N>"
    int64_t due_ns = 0;                                 // 0: nothing pending
    std::map<uint32_t, PendingDiff> diffs;              // by market
    std::set<uint32_t> changed;                         // markets whose book changed (for the partial books)
  };

  void subscribe(uint64_t id, Connection& connection, const std::string& stream);
  void unsubscribe(uint64_t id, Connection& connection, const std::string& stream);
  // Queues `payload` for every subscriber of `stream` (wrapped for combined connections); deliver() hands each
  // connection its queue in one go.
  void send(const std::string& stream, const std::string& payload);
  void deliver();
  void flush_interval(Interval& interval);
  void send_klines(int64_t event_ms);
  bool has_subscribers(const std::string& stream) const;
  std::string kline_payload(const MarketInfo& market, CandleInterval interval, const Candle& candle, bool closed,
                            int64_t event_ms) const;

  const MarketData* market_;
  mutable std::mutex mutex_;
  std::map<uint64_t, Connection> connections_;
  std::map<std::string, std::set<uint64_t>> subscribers_;  // stream name -> connections
  std::map<std::pair<uint32_t, uint8_t>, Candle> candles_;  // (market, interval) -> the current candle
  Interval intervals_[2];
  std::set<uint32_t> candles_changed_;  // markets with kline updates not yet sent
  int64_t kline_due_ns_ = 0;
  int64_t last_event_ms_ = 0;
  std::map<uint64_t, std::vector<WsMessage>> outbox_;  // connection -> messages not yet handed over
  uint64_t messages_sent_ = 0;
};

}  // namespace qz::server
