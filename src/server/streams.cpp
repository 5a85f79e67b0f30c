#include "server/streams.h"

#include <simdjson.h>

#include <algorithm>

#include "base/decimal.h"
#include "json/writer.h"
#include "server/internal/format.h"
#include "server/params.h"

namespace qz::server {

namespace {

constexpr size_t kMaxStreamsPerConnection = 1024;
constexpr uint32_t kMaxControlPerSecond = 10;
constexpr size_t kMaxControlBytes = 4096;

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool speed_suffix(std::string_view rest) { return rest.empty() || rest == "@100ms" || rest == "@1000ms"; }


std::string error_reply(int code, const std::string& message, const std::string& id_json) {
  json::Writer w;
  w.begin_object();
  w.key("error").begin_object().field("code", code).field("msg", std::string_view(message)).end_object();
  w.field("id", json::Raw{id_json});
  w.end_object();
  return w.take();
}

std::shared_ptr<const std::string> share(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

}  // namespace

bool parse_stream_name(std::string_view text, StreamName* out) {
  *out = StreamName{};
  const size_t at = text.find('@');
  if (at == 0 || at == std::string_view::npos || at > 20) return false;
  const std::string_view symbol = text.substr(0, at);
  for (const char c : symbol) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  out->symbol = upper(symbol);
  const std::string_view rest = text.substr(at + 1);
  if (rest == "trade") {
    out->kind = StreamKind::trade;
    return true;
  }
  if (rest == "aggTrade") {
    out->kind = StreamKind::agg_trade;
    return true;
  }
  if (rest == "bookTicker") {
    out->kind = StreamKind::book_ticker;
    return true;
  }
  if (rest == "miniTicker") {
    out->kind = StreamKind::mini_ticker;
    return true;
  }
  if (rest == "ticker") {
    out->kind = StreamKind::ticker;
    return true;
  }
  if (rest.starts_with("kline_")) {
    out->kind = StreamKind::kline;
    return parse_candle_interval(rest.substr(6), &out->interval);
  }
  if (rest.starts_with("depth")) {
    std::string_view tail = rest.substr(5);
    if (tail.empty() || tail[0] == '@') {
      out->kind = StreamKind::depth_diff;
      return speed_suffix(tail);
    }
    for (const uint32_t levels : {5u, 10u, 20u}) {
      const std::string number = std::to_string(levels);
      if (tail.starts_with(number) && speed_suffix(tail.substr(number.size()))) {
        out->kind = StreamKind::depth_top;
        out->levels = levels;
        return true;
      }
    }
  }
  return false;
}

bool parse_control(std::string_view text, ControlMessage* out, ControlError* error) {
  *out = ControlMessage{};
  *error = ControlError{};
  if (text.size() > kMaxControlBytes) {
    *error = ControlError{.code = 3, .message = "Invalid JSON: message too large", .id_json = "null"};
    return false;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
    *error = ControlError{.code = 3, .message = "Invalid JSON: the message is not JSON", .id_json = "null"};
    return false;
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    *error = ControlError{.code = 3, .message = "Invalid JSON: expected an object", .id_json = "null"};
    return false;
  }
  // The id: an unsigned integer, a string, or null; echoed back as sent.
  simdjson::dom::element id;
  if (object["id"].get(id) == simdjson::SUCCESS) {
    if (!id.is_uint64() && !id.is_int64() && !id.is_string() && !id.is_null()) {
      *error = ControlError{.code = 1, .message = "Invalid value type: expected Int, String or null for 'id'",
                            .id_json = "null"};
      return false;
    }
    out->id_json = simdjson::minify(id);
    if (out->id_json.size() > 128) {
      *error = ControlError{.code = 2, .message = "Invalid request: 'id' is too long", .id_json = "null"};
      return false;
    }
  }
  error->id_json = out->id_json;
  std::string_view method;
  if (object["method"].get_string().get(method) != simdjson::SUCCESS) {
    *error = ControlError{.code = 2, .message = "Invalid request: 'method' must be a string",
                          .id_json = out->id_json};
    return false;
  }
  if (method == "SUBSCRIBE") {
    out->method = ControlMessage::Method::subscribe;
  } else if (method == "UNSUBSCRIBE") {
    out->method = ControlMessage::Method::unsubscribe;
  } else if (method == "LIST_SUBSCRIPTIONS") {
    out->method = ControlMessage::Method::list;
  } else if (method == "SET_PROPERTY") {
    out->method = ControlMessage::Method::set_property;
  } else if (method == "GET_PROPERTY") {
    out->method = ControlMessage::Method::get_property;
  } else {
    *error = ControlError{.code = 2, .message = "Invalid request: unknown method", .id_json = out->id_json};
    return false;
  }
  simdjson::dom::array params;
  const bool has_params = object["params"].get_array().get(params) == simdjson::SUCCESS;
  if (out->method == ControlMessage::Method::list) return true;
  if (!has_params) {
    *error = ControlError{.code = 2, .message = "Invalid request: 'params' must be an array",
                          .id_json = out->id_json};
    return false;
  }
  size_t index = 0;
  for (simdjson::dom::element param : params) {
    if (out->method == ControlMessage::Method::set_property && index == 1) {
      bool value = false;
      if (param.get_bool().get(value) != simdjson::SUCCESS) {
        *error = ControlError{.code = 1, .message = "Invalid value type: expected Boolean",
                              .id_json = out->id_json};
        return false;
      }
      out->value = value;
      index++;
      continue;
    }
    std::string_view name;
    if (param.get_string().get(name) != simdjson::SUCCESS) {
      *error = ControlError{.code = 1, .message = "Invalid value type: expected String", .id_json = out->id_json};
      return false;
    }
    if (out->params.size() >= kMaxStreamsPerConnection) {
      *error = ControlError{.code = 2, .message = "Invalid request: too many streams", .id_json = out->id_json};
      return false;
    }
    out->params.emplace_back(name);
    index++;
  }
  const bool property = out->method == ControlMessage::Method::set_property ||
                        out->method == ControlMessage::Method::get_property;
  if (property) {
    if (out->params.size() != 1 || (out->method == ControlMessage::Method::set_property && !out->value)) {
      *error = ControlError{.code = 2, .message = "Invalid request: property name and value expected",
                            .id_json = out->id_json};
      return false;
    }
    if (out->params[0] != "combined") {
      *error = ControlError{.code = 0, .message = "Unknown property", .id_json = out->id_json};
      return false;
    }
    return true;
  }
  for (const std::string& name : out->params) {
    StreamName parsed;
    if (!parse_stream_name(name, &parsed)) {
      *error = ControlError{.code = 2, .message = "Invalid request: invalid stream name '" +
                                                   name.substr(0, 64) + "'",
                            .id_json = out->id_json};
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------

StreamHub::StreamHub(const MarketData* market) : market_(market) {
  intervals_[0].period_ns = 100'000'000;
  intervals_[0].diff_suffixes[0] = "depth@100ms";
  intervals_[0].top_suffixes[0] = "@100ms";
  intervals_[1].period_ns = 1'000'000'000;
  intervals_[1].diff_suffixes[0] = "depth";
  intervals_[1].diff_suffixes[1] = "depth@1000ms";
  intervals_[1].top_suffixes[0] = "";
  intervals_[1].top_suffixes[1] = "@1000ms";
}

bool StreamHub::open(const HttpRequest& request, const std::shared_ptr<WsConnection>& connection) {
  const std::string& path = request.path;
  Connection state;
  state.socket = connection;
  std::vector<std::string> initial;
  if (path == "/ws" || path == "/ws/") {
  } else if (path.starts_with("/ws/")) {
    const std::string stream = path.substr(4);
    StreamName parsed;
    if (stream.find('@') != std::string::npos) {
      if (!parse_stream_name(stream, &parsed)) return false;
      initial.push_back(stream);
    }
  } else if (path == "/stream") {
    state.combined = true;
    RequestParams params;
    if (RequestParams::parse(request.query, "", ParamLimits{}, &params) != ParamError::ok) return false;
    if (const std::string* streams = params.find("streams"); streams != nullptr && !streams->empty()) {
      size_t begin = 0;
      while (begin <= streams->size()) {
        const size_t end = std::min(streams->find('/', begin), streams->size());
        const std::string stream = streams->substr(begin, end - begin);
        StreamName parsed;
        if (!parse_stream_name(stream, &parsed) || initial.size() >= kMaxStreamsPerConnection) return false;
        initial.push_back(stream);
        begin = end + 1;
      }
    }
  } else {
    return false;
  }
  std::lock_guard guard(mutex_);
  const uint64_t id = connection->id();
  Connection& stored = connections_[id];
  stored = std::move(state);
  for (const std::string& stream : initial) subscribe(id, stored, stream);
  return true;
}

void StreamHub::subscribe(uint64_t id, Connection& connection, const std::string& stream) {
  if (connection.streams.size() >= kMaxStreamsPerConnection) return;
  connection.streams.insert(stream);
  subscribers_[stream].insert(id);
}

void StreamHub::unsubscribe(uint64_t id, Connection& connection, const std::string& stream) {
  connection.streams.erase(stream);
  const auto it = subscribers_.find(stream);
  if (it == subscribers_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) subscribers_.erase(it);
}

void StreamHub::message(const std::shared_ptr<WsConnection>& connection, std::string_view text, int64_t now_ms) {
  std::unique_lock guard(mutex_);
  const auto found = connections_.find(connection->id());
  if (found == connections_.end()) return;
  Connection& state = found->second;
  if (now_ms - state.window_start_ms >= 1000) {
    state.window_start_ms = now_ms;
    state.window_messages = 0;
  }
  if (++state.window_messages > kMaxControlPerSecond) {
    guard.unlock();
    connection->close();
    return;
  }
  ControlMessage control;
  ControlError error;
  if (!parse_control(text, &control, &error)) {
    connection->send(share(error_reply(error.code, error.message, error.id_json)));
    return;
  }
  const uint64_t id = connection->id();
  json::Writer w;
  w.begin_object();
  switch (control.method) {
    case ControlMessage::Method::subscribe:
      if (state.streams.size() + control.params.size() > kMaxStreamsPerConnection) {
        connection->send(share(error_reply(2, "Invalid request: too many streams", control.id_json)));
        return;
      }
      for (const std::string& stream : control.params) subscribe(id, state, stream);
      w.field("result", nullptr);
      break;
    case ControlMessage::Method::unsubscribe:
      for (const std::string& stream : control.params) unsubscribe(id, state, stream);
      w.field("result", nullptr);
      break;
    case ControlMessage::Method::list:
      w.key("result").begin_array();
      for (const std::string& stream : state.streams) w.value(std::string_view(stream));
      w.end_array();
      break;
    case ControlMessage::Method::set_property:
      state.combined = *control.value;
      w.field("result", nullptr);
      break;
    case ControlMessage::Method::get_property: w.field("result", state.combined); break;
  }
  w.field("id", json::Raw{control.id_json});
  w.end_object();
  connection->send(share(w.take()));
}

void StreamHub::closed(uint64_t connection_id) {
  std::lock_guard guard(mutex_);
  const auto found = connections_.find(connection_id);
  if (found == connections_.end()) return;
  const std::set<std::string> streams = found->second.streams;
  for (const std::string& stream : streams) unsubscribe(connection_id, found->second, stream);
  connections_.erase(found);
}

void StreamHub::drop_all() {
  std::map<uint64_t, Connection> dropped;  // released after the lock: a socket's destructor may call back
  {
    std::lock_guard guard(mutex_);
    dropped.swap(connections_);
    subscribers_.clear();
  }
}

bool StreamHub::has_subscribers(const std::string& stream) const { return subscribers_.contains(stream); }

void StreamHub::send(const std::string& stream, const std::string& payload) {
  const auto it = subscribers_.find(stream);
  if (it == subscribers_.end()) return;
  std::shared_ptr<const std::string> bare;
  std::shared_ptr<const std::string> wrapped;
  for (const uint64_t id : it->second) {
    const auto connection = connections_.find(id);
    if (connection == connections_.end()) continue;
    if (connection->second.combined) {
      if (!wrapped) wrapped = share("{\"stream\":\"" + stream + "\",\"data\":" + payload + "}");
      outbox_[id].push_back(wrapped);
    } else {
      if (!bare) bare = share(payload);
      outbox_[id].push_back(bare);
    }
    messages_sent_++;
  }
}

void StreamHub::deliver() {
  for (auto& [id, messages] : outbox_) {
    const auto connection = connections_.find(id);
    if (connection != connections_.end()) connection->second.socket->send_all(std::move(messages));
  }
  outbox_.clear();
}

std::string StreamHub::kline_payload(const MarketInfo& m, CandleInterval interval, const Candle& candle,
                                     bool closed, int64_t event_ms) const {
  const int64_t close_time = candle_next_open_time_ms(interval, candle.open_time_ms) - 1;
  json::Writer w;
  w.begin_object().field("e", "kline").field("E", event_ms).field("s", std::string_view(m.symbol));
  w.key("k")
      .begin_object()
      .field("t", candle.open_time_ms)
      .field("T", close_time)
      .field("s", std::string_view(m.symbol))
      .field("i", candle_interval_name(interval))
      .field("f", candle.first_id)
      .field("L", candle.last_id)
      .field("o", json::Decimal{price_text(m, candle.open)})
      .field("c", json::Decimal{price_text(m, candle.close)})
      .field("h", json::Decimal{price_text(m, candle.high)})
      .field("l", json::Decimal{price_text(m, candle.low)})
      .field("v", json::Decimal{qty_text(m, candle.volume)})
      .field("n", candle.count)
      .field("x", closed)
      .field("q", json::Decimal{quote_text(m, candle.quote_volume)})
      .field("V", json::Decimal{qty_text(m, candle.taker_buy_volume)})
      .field("Q", json::Decimal{quote_text(m, candle.taker_buy_quote)})
      .field("B", json::Decimal{"0"})
      .end_object();
  w.end_object();
  return w.take();
}

void StreamHub::publish(const BlockUpdates& updates, int64_t now_ns) {
  std::lock_guard guard(mutex_);
  const int64_t event_ms = updates.time_ms;
  last_event_ms_ = event_ms;
  std::map<uint32_t, std::optional<MarketInfo>> infos;
  const auto info_of = [&](uint32_t market) -> const std::optional<MarketInfo>& {
    auto it = infos.find(market);
    if (it == infos.end()) it = infos.emplace(market, market_->market(market)).first;
    return it->second;
  };

  // Trades: each one, and the candles they move.
  std::set<uint32_t> traded;
  for (const TradeInfo& t : updates.trades) {
    const std::optional<MarketInfo>& m = info_of(t.market);
    if (!m) continue;
    traded.insert(t.market);
    const std::string prefix = lower(m->symbol) + "@";
    if (has_subscribers(prefix + "trade")) {
      json::Writer w;
      w.begin_object()
          .field("e", "trade")
          .field("E", event_ms)
          .field("s", std::string_view(m->symbol))
          .field("t", t.id)
          .field("p", json::Decimal{price_text(*m, t.price_minor)})
          .field("q", json::Decimal{qty_text(*m, t.qty_minor)})
          .field("T", t.time_ms)
          .field("m", t.buyer_is_maker)
          .field("M", true)
          .end_object();
      send(prefix + "trade", w.take());
    }
    if (has_subscribers(prefix + "aggTrade")) {
      json::Writer w;
      w.begin_object()
          .field("e", "aggTrade")
          .field("E", event_ms)
          .field("s", std::string_view(m->symbol))
          .field("a", t.id)
          .field("p", json::Decimal{price_text(*m, t.price_minor)})
          .field("q", json::Decimal{qty_text(*m, t.qty_minor)})
          .field("f", t.id)
          .field("l", t.id)
          .field("T", t.time_ms)
          .field("m", t.buyer_is_maker)
          .field("M", true)
          .end_object();
      send(prefix + "aggTrade", w.take());
    }
    for (size_t i = 0; i < kCandleIntervalCount; i++) {
      const auto interval = static_cast<CandleInterval>(i);
      Candle& candle = candles_[{t.market, static_cast<uint8_t>(i)}];
      const int64_t open_time = candle_open_time_ms(interval, t.time_ms);
      if (candle.open_time_ms != open_time) {
        const std::string stream = prefix + "kline_" + std::string(candle_interval_name(interval));
        if (candle.open_time_ms >= 0 && has_subscribers(stream)) {
          send(stream, kline_payload(*m, interval, candle, true, event_ms));
        }
        candle = Candle{};
        candle.open_time_ms = open_time;
        candle.open = candle.high = candle.low = t.price_minor;
        candle.first_id = t.id;
      }
      candle.high = std::max(candle.high, t.price_minor);
      candle.low = std::min(candle.low, t.price_minor);
      candle.close = t.price_minor;
      candle.volume += t.qty_minor;
      candle.quote_volume += t.quote_qty_minor;
      if (!t.buyer_is_maker) {
        candle.taker_buy_volume += t.qty_minor;
        candle.taker_buy_quote += t.quote_qty_minor;
      }
      candle.last_id = t.id;
      candle.count++;
    }
  }
  for (const uint32_t market : traded) {
    const std::optional<MarketInfo>& m = info_of(market);
    const std::string prefix = lower(m->symbol) + "@";
    candles_changed_.insert(market);  // the open candles' updates go out once a second (send_klines)
    if (kline_due_ns_ == 0) kline_due_ns_ = now_ns + 1'000'000'000;
    Ticker24h ticker;
    if ((has_subscribers(prefix + "miniTicker") || has_subscribers(prefix + "ticker")) &&
        market_->ticker(market, event_ms, &ticker)) {
      const int64_t open = ticker.count == 0 ? ticker.last_price_minor : ticker.open_price_minor;
      const int64_t high = ticker.count == 0 ? ticker.last_price_minor : ticker.high_price_minor;
      const int64_t low = ticker.count == 0 ? ticker.last_price_minor : ticker.low_price_minor;
      if (has_subscribers(prefix + "miniTicker")) {
        json::Writer w;
        w.begin_object()
            .field("e", "24hrMiniTicker")
            .field("E", event_ms)
            .field("s", std::string_view(m->symbol))
            .field("c", json::Decimal{price_text(*m, ticker.last_price_minor)})
            .field("o", json::Decimal{price_text(*m, open)})
            .field("h", json::Decimal{price_text(*m, high)})
            .field("l", json::Decimal{price_text(*m, low)})
            .field("v", json::Decimal{qty_text(*m, ticker.volume_minor)})
            .field("q", json::Decimal{quote_text(*m, ticker.quote_volume_minor)})
            .end_object();
        send(prefix + "miniTicker", w.take());
      }
      if (has_subscribers(prefix + "ticker")) {
        BookTop top;
        market_->top(market, &top);
        const int64_t change = ticker.last_price_minor - open;
        const std::string percent = percent_change_text(change, open);
        json::Writer w;
        w.begin_object()
            .field("e", "24hrTicker")
            .field("E", event_ms)
            .field("s", std::string_view(m->symbol))
            .field("p", json::Decimal{price_text(*m, change)})
            .field("P", json::Decimal{percent})
            .field("w", json::Decimal{price_text(*m, ticker.last_price_minor)})
            .field("x", json::Decimal{price_text(*m, ticker.prev_close_minor)})
            .field("c", json::Decimal{price_text(*m, ticker.last_price_minor)})
            .field("Q", json::Decimal{qty_text(*m, ticker.last_qty_minor)})
            .field("b", json::Decimal{price_text(*m, top.bid.price_minor)})
            .field("B", json::Decimal{qty_text(*m, top.bid.qty_minor)})
            .field("a", json::Decimal{price_text(*m, top.ask.price_minor)})
            .field("A", json::Decimal{qty_text(*m, top.ask.qty_minor)})
            .field("o", json::Decimal{price_text(*m, open)})
            .field("h", json::Decimal{price_text(*m, high)})
            .field("l", json::Decimal{price_text(*m, low)})
            .field("v", json::Decimal{qty_text(*m, ticker.volume_minor)})
            .field("q", json::Decimal{quote_text(*m, ticker.quote_volume_minor)})
            .field("O", ticker.open_time_ms)
            .field("C", ticker.close_time_ms)
            .field("F", ticker.count == 0 ? int64_t{-1} : static_cast<int64_t>(ticker.first_id))
            .field("L", ticker.count == 0 ? int64_t{-1} : static_cast<int64_t>(ticker.last_id))
            .field("n", ticker.count)
            .end_object();
        send(prefix + "ticker", w.take());
      }
    }
  }

  // Book diffs: merged into each interval's pending diff (flush sends them).
  for (const DepthDiff& diff : updates.depth) {
    const std::optional<MarketInfo>& m = info_of(diff.market);
    if (!m) continue;
    const std::string prefix = lower(m->symbol) + "@";
    for (Interval& interval : intervals_) {
      bool diffs = false;
      for (const char* suffix : interval.diff_suffixes) diffs = diffs || (suffix != nullptr && has_subscribers(prefix + suffix));
      bool tops = false;
      for (const uint32_t levels : {5u, 10u, 20u}) {
        for (const char* suffix : interval.top_suffixes) {
          tops = tops || (suffix != nullptr && has_subscribers(prefix + "depth" + std::to_string(levels) + suffix));
        }
      }
      if (!diffs) {
        // Nobody follows this market's diffs at this interval now: a pending diff would skip this block's changes,
        // so it goes (a later subscriber starts from the next diff, against a newer snapshot).
        interval.diffs.erase(diff.market);
      } else {
        PendingDiff& pending = interval.diffs[diff.market];
        if (pending.first_update_id == 0) pending.first_update_id = diff.first_update_id;
        pending.last_update_id = diff.last_update_id;
        pending.event_ms = event_ms;
        for (const Level& level : diff.bids) pending.bids[level.price_minor] = level.qty_minor;
        for (const Level& level : diff.asks) pending.asks[level.price_minor] = level.qty_minor;
      }
      if (tops) interval.changed.insert(diff.market);
      if ((diffs || tops) && interval.due_ns == 0) interval.due_ns = now_ns + interval.period_ns;
    }
  }
  for (const uint32_t market : updates.top_changed) {
    const std::optional<MarketInfo>& m = info_of(market);
    if (!m) continue;
    const std::string stream = lower(m->symbol) + "@bookTicker";
    if (!has_subscribers(stream)) continue;
    BookTop top;
    if (!market_->top(market, &top)) continue;
    json::Writer w;
    w.begin_object()
        .field("u", top.update_id)
        .field("s", std::string_view(m->symbol))
        .field("b", json::Decimal{price_text(*m, top.bid.price_minor)})
        .field("B", json::Decimal{qty_text(*m, top.bid.qty_minor)})
        .field("a", json::Decimal{price_text(*m, top.ask.price_minor)})
        .field("A", json::Decimal{qty_text(*m, top.ask.qty_minor)})
        .end_object();
    send(stream, w.take());
  }
  deliver();
}

int64_t StreamHub::flush(int64_t now_ns) {
  std::lock_guard guard(mutex_);
  int64_t next = 0;
  const auto consider = [&next](int64_t due) {
    if (due != 0 && (next == 0 || due < next)) next = due;
  };
  for (Interval& interval : intervals_) {
    if (interval.due_ns != 0 && now_ns >= interval.due_ns) flush_interval(interval);
    consider(interval.due_ns);
  }
  if (kline_due_ns_ != 0 && now_ns >= kline_due_ns_) send_klines(last_event_ms_);
  consider(kline_due_ns_);
  deliver();
  return next;
}

void StreamHub::flush_interval(Interval& interval) {
  for (const auto& [market, pending] : interval.diffs) {
    const std::optional<MarketInfo> m = market_->market(market);
    if (!m || pending.first_update_id == 0) continue;
    const std::string prefix = lower(m->symbol) + "@";
    std::vector<Level> bids;
    std::vector<Level> asks;
    for (auto it = pending.bids.rbegin(); it != pending.bids.rend(); ++it) bids.push_back(Level{it->first, it->second});
    for (const auto& [price, qty] : pending.asks) asks.push_back(Level{price, qty});
    json::Writer w;
    w.begin_object()
        .field("e", "depthUpdate")
        .field("E", pending.event_ms)
        .field("s", std::string_view(m->symbol))
        .field("U", pending.first_update_id)
        .field("u", pending.last_update_id);
    write_levels(w, "b", *m, bids);
    write_levels(w, "a", *m, asks);
    w.end_object();
    const std::string payload = w.take();
    for (const char* suffix : interval.diff_suffixes) {
      if (suffix != nullptr) send(prefix + suffix, payload);
    }
  }
  for (const uint32_t market : interval.changed) {
    const std::optional<MarketInfo> m = market_->market(market);
    if (!m) continue;
    const std::string prefix = lower(m->symbol) + "@depth";
    for (const uint32_t levels : {5u, 10u, 20u}) {
      bool wanted = false;
      for (const char* suffix : interval.top_suffixes) {
        wanted = wanted || (suffix != nullptr && has_subscribers(prefix + std::to_string(levels) + suffix));
      }
      if (!wanted) continue;
      DepthSnapshot depth;
      if (!market_->depth(market, levels, &depth)) continue;
      json::Writer w;
      w.begin_object().field("lastUpdateId", depth.last_update_id);
      write_levels(w, "bids", *m, depth.bids);
      write_levels(w, "asks", *m, depth.asks);
      w.end_object();
      const std::string payload = w.take();
      for (const char* suffix : interval.top_suffixes) {
        if (suffix != nullptr) send(prefix + std::to_string(levels) + suffix, payload);
      }
    }
  }
  interval.diffs.clear();
  interval.changed.clear();
  interval.due_ns = 0;
}

void StreamHub::send_klines(int64_t event_ms) {
  for (const uint32_t market : candles_changed_) {
    const std::optional<MarketInfo> m = market_->market(market);
    if (!m) continue;
    const std::string prefix = lower(m->symbol) + "@";
    for (size_t i = 0; i < kCandleIntervalCount; i++) {
      const auto interval = static_cast<CandleInterval>(i);
      const std::string stream = prefix + "kline_" + std::string(candle_interval_name(interval));
      const auto candle = candles_.find({market, static_cast<uint8_t>(i)});
      if (candle != candles_.end() && has_subscribers(stream)) {
        send(stream, kline_payload(*m, interval, candle->second, false, event_ms));
      }
    }
  }
  candles_changed_.clear();
  kline_due_ns_ = 0;
}

size_t StreamHub::connections() const {
  std::lock_guard guard(mutex_);
  return connections_.size();
}

size_t StreamHub::subscriptions() const {
  std::lock_guard guard(mutex_);
  size_t total = 0;
  for (const auto& [stream, ids] : subscribers_) total += ids.size();
  return total;
}

uint64_t StreamHub::messages_sent() const {
  std::lock_guard guard(mutex_);
  return messages_sent_;
}

}  // namespace qz::server
