#include "monitor/monitor.h"

#include <algorithm>
#include <deque>
#include <map>
#include <utility>

#include "base/assert.h"
#include "base/checked.h"
#include "base/decimal.h"
#include "ledger/ledger.h"
#include "monitor/internal/tracker.h"

namespace qz::monitor {

const char* rule_name(Rule rule) {
  switch (rule) {
    case Rule::structuring: return "structuring";
    case Rule::rapid_in_out: return "rapid_in_out";
    case Rule::velocity: return "velocity";
    case Rule::high_risk_jurisdiction: return "high_risk_jurisdiction";
    case Rule::wash_trading: return "wash_trading";
    case Rule::spoofing: return "spoofing";
  }
  return "unknown";
}

bool rule_from_name(std::string_view name, Rule* out) {
  for (uint8_t value = 1; value <= kRuleCount; value++) {
    if (name == rule_name(static_cast<Rule>(value))) {
      *out = static_cast<Rule>(value);
      return true;
    }
  }
  return false;
}

namespace {

using internal::AccountInfo;
using internal::AssetInfo;
using internal::MarketInfo;

// A market's visible levels, from level_changed.
struct Book {
  std::map<int64_t, int64_t> bids;  // price -> visible quantity
  std::map<int64_t, int64_t> asks;
};

struct OrderInfo {
  uint64_t owner = 0;
  uint32_t market = 0;
  uint8_t side = 0;
  int64_t qty_minor = 0;
  uint64_t placed_ns = 0;
  bool rested = false;
  bool suspect = false;  // large and away from the touch when it rested
  Evidence rested_evidence;
};

struct Movement {
  bool deposit = false;
  uint64_t client = 0;
  uint32_t asset = 0;
  int64_t amount_minor = 0;
  int64_t value_tiyn = kNoValue;
  uint64_t seq = 0;
  Evidence evidence;
};

struct RapidDeposit {
  uint64_t seq;
  int64_t amount_minor;
  int128 traded_before;
  int128 withdrawn_before;
  Evidence evidence;
};
struct RapidState {
  std::deque<RapidDeposit> deposits;                      // within the window, in stream order
  std::deque<std::pair<uint64_t, Evidence>> withdrawals;  // (seq, evidence) since the oldest deposit
  int128 traded = 0;                                      // the client's fills in this asset, ever
  int128 withdrawn = 0;                                   // its withdrawals of it, ever
};

struct VelocityEntry {
  int64_t amount_minor;
  Evidence evidence;
};
struct VelocityState {
  std::deque<VelocityEntry> entries;  // movements within baseline + window
  bool seen = false;
  uint64_t first_ns = 0;  // the first movement of the client in the asset
  bool alerted = false;
  uint64_t last_alert_ns = 0;
};

struct WashEntry {
  int64_t value_tiyn;
  Evidence evidence;
};

struct SpoofCandidate {
  Evidence rested;
  Evidence cancelled;
};

bool before(const Evidence& a, const Evidence& b) {
  return a.height != b.height ? a.height < b.height : a.event_index < b.event_index;
}

std::string duration_text(uint64_t ns) {
  if (ns >= 2 * kDayNs && ns % kDayNs == 0) return std::to_string(ns / kDayNs) + "d";
  if (ns != 0 && ns % kHourNs == 0) return std::to_string(ns / kHourNs) + "h";
  if (ns != 0 && ns % (60 * kSecondNs) == 0) return std::to_string(ns / (60 * kSecondNs)) + "min";
  if (ns % kSecondNs == 0) return std::to_string(ns / kSecondNs) + "s";
  return std::to_string(ns / 1'000'000) + "ms";
}

// a * 10000 / b, for the shares shown in summaries (b > 0).
int64_t bps_of(int128 a, int128 b) {
  return b <= 0 ? 0 : static_cast<int64_t>(std::min<int128>(a * 10'000 / b, INT64_MAX));
}

// Built by appending: g++ 12 warns falsely (-Wrestrict) on "literal" + string here.
std::string percent_text(int64_t bps) {
  std::string text = std::to_string(bps / 100);
  if (bps % 100 != 0) {
    text += '.';
    text += std::to_string(bps % 100 / 10);
    if (bps % 10 != 0) text += std::to_string(bps % 10);
  }
  text += '%';
  return text;
}

int64_t clamp64(int128 value) {
  if (value > INT64_MAX) return INT64_MAX;
  if (value < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(value);
}

}  // namespace

struct Monitor::State {
  explicit State(Config c) : config(std::move(c)), stream(config.tenge_asset) {}

  Config config;
  MonitorStats stats;

  internal::Tracker stream;              // assets, accounts, markets
  std::map<uint32_t, Book> books;        // per market
  std::map<uint64_t, OrderInfo> orders;  // open orders
  std::map<uint64_t, ClientView> clients;

  std::map<std::pair<uint64_t, bool>, std::deque<Movement>> structuring;  // (client, deposit)
  std::map<std::pair<uint64_t, uint32_t>, RapidState> rapid;              // (client, asset)
  std::map<std::pair<uint64_t, uint32_t>, VelocityState> velocity;        // (client, asset)
  std::map<uint64_t, std::deque<WashEntry>> wash;                         // beneficial owner
  std::map<uint64_t, std::deque<SpoofCandidate>> spoof;                   // client

  // The block being read.
  const BlockView* block = nullptr;
  std::vector<Alert>* out = nullptr;

  // --- lookups -----------------------------------------------------------------------------------------------

  int64_t value_tiyn(uint32_t asset_id, int64_t amount_minor) const {
    const AssetInfo* info = stream.asset(asset_id);
    if (info == nullptr || amount_minor < 0) return kNoValue;
    const int64_t rate = stream.rate_tiyn(*info);
    if (rate <= 0) return kNoValue;
    int64_t value = 0;
    if (!checked_mul_div(amount_minor, rate, pow10_i64(info->scale), Rounding::up, &value)) return INT64_MAX;
    return value;
  }
  std::string amount_text(uint32_t asset_id, int128 minor) const {
    const AssetInfo* info = stream.asset(asset_id);
    if (info == nullptr) return std::to_string(clamp64(minor)) + " (asset " + std::to_string(asset_id) + ")";
    return format_decimal(clamp64(minor), info->scale) + " " + info->code;
  }
  std::string tenge_text(int128 tiyn) const { return format_decimal(clamp64(tiyn), 2) + " " + config.tenge_asset; }
  uint64_t beneficial_owner(uint64_t client) const {
    const auto it = config.wash_trading.owners.find(client);
    return it == config.wash_trading.owners.end() ? client : it->second;
  }
  // "residence IR", "nationality KP", "residence and nationality IR", or "" when neither is high-risk.
  std::string high_risk_text(const ClientFacts& facts) const {
    const auto listed = [&](const char code[2]) {
      const std::string text(code, 2);
      return std::binary_search(config.high_risk.countries.begin(), config.high_risk.countries.end(), text);
    };
    const bool residence = listed(facts.residence);
    const bool nationality = listed(facts.nationality);
    const std::string r(facts.residence, 2);
    const std::string n(facts.nationality, 2);
    if (residence && nationality)
      return r == n ? "residence and nationality " + r : "residence " + r + ", nationality " + n;
    if (residence) return "residence " + r;
    if (nationality) return "nationality " + n;
    return "";
  }

  Evidence evidence(uint32_t index, uint64_t client, uint64_t object_id, std::string label) const {
    Evidence e;
    e.height = block->height;
    e.event_index = index;
    e.kind = block->events[index].event_kind();
    e.time_ns = block->time_ns;
    e.client = client;
    e.object_id = object_id;
    e.label = std::move(label);
    return e;
  }
  void with_amount(Evidence* e, uint32_t asset_id, int64_t amount_minor) const {
    e->asset = stream.asset_code(asset_id);
    e->scale = stream.asset_scale(asset_id);
    e->amount_minor = amount_minor;
    e->value_tiyn = value_tiyn(asset_id, amount_minor);
  }

  void raise(Rule rule, uint64_t client, std::string summary, std::vector<Evidence> evidence) {
    QZ_ASSERT(!evidence.empty());
    std::stable_sort(evidence.begin(), evidence.end(), before);
    stats.alerts++;
    stats.alerts_by_rule[static_cast<uint8_t>(rule)]++;
    out->push_back(Alert{.id = stats.alerts,
                         .rule = rule,
                         .client = client,
                         .height = block->height,
                         .time_ns = block->time_ns,
                         .summary = std::move(summary),
                         .evidence = std::move(evidence)});
  }

  // --- the stream ---------------------------------------------------------------------------------------------

  void on_event(uint32_t index) {
    const Event& event = block->events[index];
    stream.on_event(event);
    switch (event.event_kind()) {
      case EventKind::market_created: books[event.market_created.market] = Book{}; break;
      case EventKind::client_registered:
      case EventKind::client_updated: on_client_facts(index); break;
      case EventKind::client_status_changed: {
        const auto it = clients.find(event.client_status_changed.client);
        if (it != clients.end()) {
          it->second.status = static_cast<ClientStatus>(event.client_status_changed.status);
          it->second.facts_height = block->height;
        }
        break;
      }
      case EventKind::transfer_posted: {
        const TransferPostedPayload& p = event.transfer_posted;
        uint64_t reference = 0;
        if (event.command_index < block->commands.size()) {
          const Command& command = block->commands[event.command_index];
          if (command.command_kind() == CommandKind::transfer) reference = command.transfer.reference;
        }
        std::string detail = "transfer " + std::to_string(p.transfer);
        if (reference != 0) detail += ", reference " + std::to_string(reference);
        on_transfer(index, p.debit, p.credit, p.amount_minor, p.transfer, std::move(detail));
        break;
      }
      case EventKind::hold_posted: {
        const HoldPostedPayload& p = event.hold_posted;
        on_transfer(index, p.debit, p.credit, p.amount_minor, p.transfer,
                    "transfer " + std::to_string(p.transfer) + " posting hold " + std::to_string(p.hold));
        break;
      }
      case EventKind::order_accepted: {
        const OrderAcceptedPayload& p = event.order_accepted;
        const AccountInfo* owner = stream.account(p.account);
        if (owner == nullptr) break;
        orders[p.order] = OrderInfo{.owner = owner->owner,
                                    .market = p.market,
                                    .side = p.side,
                                    .qty_minor = p.qty_minor,
                                    .placed_ns = block->time_ns,
                                    .rested = false,
                                    .suspect = false,
                                    .rested_evidence = {}};
        break;
      }
      case EventKind::order_rested: on_rested(index); break;
      case EventKind::trade:
        stats.trades++;
        on_trade(index);
        break;
      case EventKind::order_filled: {
        const OrderFilledPayload& p = event.order_filled;
        const auto it = orders.find(p.order);
        if (it == orders.end()) break;
        const MarketInfo* market = stream.market(it->second.market);
        if (market != nullptr) {
          rapid[{it->second.owner, market->base}].traded += p.qty_minor;
          rapid[{it->second.owner, market->quote}].traded += p.quote_qty_minor;
        }
        if (p.remaining_qty_minor == 0) orders.erase(it);
        break;
      }
      case EventKind::order_cancelled:
        on_cancelled(index);
        orders.erase(event.order_ended.order);
        break;
      case EventKind::order_expired: orders.erase(event.order_ended.order); break;
      case EventKind::level_changed: {
        const LevelChangedPayload& p = event.level_changed;
        const auto book = books.find(p.market);
        if (book == books.end()) break;
        auto& side = p.side == static_cast<uint8_t>(OrderSideCode::buy) ? book->second.bids : book->second.asks;
        if (p.total_qty_minor == 0) {
          side.erase(p.price_minor);
        } else {
          side[p.price_minor] = p.total_qty_minor;
        }
        break;
      }
      default: break;
    }
  }

  void on_client_facts(uint32_t index) {
    const Event& event = block->events[index];
    const ClientFactsSetPayload& p = event.client_facts;
    ClientView& view = clients[p.client];
    const std::string was = view.id == 0 ? "" : high_risk_text(view.facts);
    view.id = p.client;
    view.facts = internal::client_facts_of(p);
    view.status = static_cast<ClientStatus>(p.status);
    view.facts_height = block->height;
    const std::string now = high_risk_text(view.facts);
    if (!config.high_risk.enabled || now.empty() || now == was) return;
    const bool registered = event.event_kind() == EventKind::client_registered;
    Evidence e = evidence(index, p.client, p.client, registered ? "client registered" : "client updated");
    e.detail = "residence " + std::string(p.residence, 2) + ", nationality " + std::string(p.nationality, 2);
    raise(Rule::high_risk_jurisdiction, p.client,
          std::string(registered ? "registered" : "updated") + " with " + now + ", a high-risk jurisdiction",
          {std::move(e)});
  }

  // Deposits and withdrawals (Tracker::venue_flow) go through the movement rules.
  void on_transfer(uint32_t index, uint64_t debit, uint64_t credit, int64_t amount_minor, uint64_t transfer,
                   std::string detail) {
    internal::VenueFlow flow;
    if (!stream.venue_flow(debit, credit, &flow)) return;
    Movement m;
    m.deposit = flow.deposit;
    m.client = flow.client;
    m.asset = flow.asset;
    m.amount_minor = amount_minor;
    m.value_tiyn = value_tiyn(m.asset, amount_minor);
    m.seq = stats.events;
    m.evidence = evidence(index, m.client, transfer, m.deposit ? "deposit" : "withdrawal");
    with_amount(&m.evidence, m.asset, amount_minor);
    m.evidence.detail = std::move(detail) + " from account " + std::to_string(debit) + " (" +
                        account_kind_name(static_cast<AccountKind>(flow.from->kind)) + ") to account " +
                        std::to_string(credit) + " (" + account_kind_name(static_cast<AccountKind>(flow.to->kind)) +
                        ")";
    (m.deposit ? stats.deposits : stats.withdrawals)++;
    if (m.value_tiyn == kNoValue) stats.unvalued_movements++;
    structuring_rule(m);
    rapid_rule(m);
    velocity_rule(m);
    high_risk_movement_rule(m);
  }

  // --- rules ------------------------------------------------------------------------------------------------

  void structuring_rule(const Movement& m) {
    const StructuringConfig& c = config.structuring;
    if (!c.enabled || m.value_tiyn == kNoValue) return;  // a tenge threshold needs a tenge value
    const int64_t lower = c.threshold_tiyn - clamp64(static_cast<int128>(c.threshold_tiyn) * c.margin_bps / 10'000);
    if (m.value_tiyn < lower || m.value_tiyn >= c.threshold_tiyn) return;
    std::deque<Movement>& recent = structuring[{m.client, m.deposit}];
    while (!recent.empty() && block->time_ns - recent.front().evidence.time_ns > c.window_ns) recent.pop_front();
    recent.push_back(m);
    if (recent.size() < c.min_count) return;
    int128 total = 0;
    std::vector<Evidence> evidence;
    for (const Movement& r : recent) {
      total += r.value_tiyn;
      evidence.push_back(r.evidence);
    }
    raise(Rule::structuring, m.client,
          std::to_string(recent.size()) + (m.deposit ? " deposits" : " withdrawals") + " just under the " +
              tenge_text(c.threshold_tiyn) + " reporting threshold (each from " + tenge_text(lower) + ") within " +
              duration_text(c.window_ns) + ", together " + tenge_text(total),
          std::move(evidence));
    recent.clear();
  }

  void rapid_rule(const Movement& m) {
    const RapidInOutConfig& c = config.rapid_in_out;
    if (!c.enabled) return;
    RapidState& s = rapid[{m.client, m.asset}];
    while (!s.deposits.empty() && block->time_ns - s.deposits.front().evidence.time_ns > c.window_ns) {
      s.deposits.pop_front();
    }
    if (m.deposit) {
      s.deposits.push_back(RapidDeposit{.seq = m.seq,
                                        .amount_minor = m.amount_minor,
                                        .traded_before = s.traded,
                                        .withdrawn_before = s.withdrawn,
                                        .evidence = m.evidence});
      return;
    }
    s.withdrawn += m.amount_minor;
    s.withdrawals.emplace_back(m.seq, m.evidence);
    while (!s.withdrawals.empty() && (s.deposits.empty() || s.withdrawals.front().first < s.deposits.front().seq)) {
      s.withdrawals.pop_front();
    }
    if (s.deposits.empty()) return;
    const RapidDeposit& first = s.deposits.front();
    int128 deposited = 0;
    for (const RapidDeposit& d : s.deposits) deposited += d.amount_minor;
    const int128 withdrawn = s.withdrawn - first.withdrawn_before;
    const int128 traded = s.traded - first.traded_before;
    if (withdrawn * 10'000 < deposited * c.min_out_bps || traded * 10'000 > deposited * c.max_traded_bps) return;
    std::vector<Evidence> evidence;
    for (const RapidDeposit& d : s.deposits) evidence.push_back(d.evidence);
    for (const auto& w : s.withdrawals) evidence.push_back(w.second);
    raise(Rule::rapid_in_out, m.client,
          "withdrew " + amount_text(m.asset, withdrawn) + " (" + percent_text(bps_of(withdrawn, deposited)) +
              ") within " + duration_text(block->time_ns - first.evidence.time_ns) + " of depositing " +
              amount_text(m.asset, deposited) + ", trading " + amount_text(m.asset, traded) + " (" +
              percent_text(bps_of(traded, deposited)) + ") of it in between",
          std::move(evidence));
    s.deposits.clear();
    s.withdrawals.clear();
  }

  void velocity_rule(const Movement& m) {
    const VelocityConfig& c = config.velocity;
    if (!c.enabled) return;
    VelocityState& s = velocity[{m.client, m.asset}];
    const uint64_t now = block->time_ns;
    if (!s.seen) {
      s.seen = true;
      s.first_ns = now;
    }
    s.entries.push_back(VelocityEntry{.amount_minor = m.amount_minor, .evidence = m.evidence});
    if (now <= c.window_ns) return;
    const uint64_t recent_start = now - c.window_ns;  // recent: time > recent_start; baseline: time <= it
    const uint64_t horizon = recent_start > c.baseline_ns ? recent_start - c.baseline_ns : 0;
    while (!s.entries.empty() && s.entries.front().evidence.time_ns <= horizon) s.entries.pop_front();
    if (s.first_ns >= recent_start) return;
    const uint64_t span_ns = std::min(c.baseline_ns, recent_start - s.first_ns);
    if (span_ns < c.min_history_ns) return;
    if (s.alerted && now - s.last_alert_ns < c.window_ns) return;
    int128 recent = 0;
    int128 baseline = 0;
    std::vector<Evidence> evidence;
    for (const VelocityEntry& e : s.entries) {
      if (e.evidence.time_ns > recent_start) {
        recent += e.amount_minor;
        evidence.push_back(e.evidence);
      } else {
        baseline += e.amount_minor;
      }
    }
    const int128 span_s = std::max<uint64_t>(span_ns / kSecondNs, 1);
    const int128 window_s = std::max<uint64_t>(c.window_ns / kSecondNs, 1);
    if (recent * 100 * span_s <= baseline * c.factor_pct * window_s) return;
    const int64_t value = value_tiyn(m.asset, clamp64(recent));
    if (value != kNoValue && value < c.min_value_tiyn) return;
    const int128 average = baseline * window_s / span_s;
    std::string summary = "moved " + amount_text(m.asset, recent) + " in and out within " + duration_text(c.window_ns) +
                          " against an average of " + amount_text(m.asset, average) + " per " +
                          duration_text(c.window_ns) + " over the previous " + duration_text(span_ns);
    summary += average > 0 ? " (" + percent_text(bps_of(recent * span_s, baseline * window_s)) + ")" : "";
    summary += value == kNoValue ? "; no conversion rate for the asset, so the minimum value was not applied"
                                 : "; worth " + tenge_text(value);
    raise(Rule::velocity, m.client, std::move(summary), std::move(evidence));
    s.alerted = true;
    s.last_alert_ns = now;
  }

  void high_risk_movement_rule(const Movement& m) {
    const HighRiskConfig& c = config.high_risk;
    if (!c.enabled) return;
    const auto it = clients.find(m.client);
    if (it == clients.end()) return;
    const std::string where = high_risk_text(it->second.facts);
    if (where.empty()) return;
    if (m.value_tiyn != kNoValue && m.value_tiyn < c.min_value_tiyn) return;
    std::string summary = std::string(m.deposit ? "deposit" : "withdrawal") + " of " +
                          amount_text(m.asset, m.amount_minor) + " by a client with " + where +
                          ", a high-risk jurisdiction";
    if (m.value_tiyn == kNoValue && c.min_value_tiyn > 0)
      summary += " (no conversion rate: counted whatever its value)";
    raise(Rule::high_risk_jurisdiction, m.client, std::move(summary), {m.evidence});
  }

  void on_trade(uint32_t index) {
    const WashTradingConfig& c = config.wash_trading;
    if (!c.enabled) return;
    const TradePayload& t = block->events[index].trade;
    const auto maker = orders.find(t.maker_order);
    const auto taker = orders.find(t.taker_order);
    const MarketInfo* market = stream.market(t.market);
    if (maker == orders.end() || taker == orders.end() || market == nullptr) return;
    const uint64_t owner = beneficial_owner(maker->second.owner);
    if (owner != beneficial_owner(taker->second.owner)) return;
    // The trade's notional is on the order_filled events that follow it.
    int64_t notional = 0;
    bool found = false;
    for (size_t i = index + 1; i < block->events.size() && i <= index + 2; i++) {
      const Event& fill = block->events[i];
      if (fill.event_kind() == EventKind::order_filled && fill.order_filled.trade == t.trade) {
        notional = fill.order_filled.quote_qty_minor;
        found = true;
        break;
      }
    }
    if (!found) {
      notional =
          clamp64(static_cast<int128>(t.price_minor) * t.qty_minor / pow10_i64(stream.asset_scale(market->base)));
    }
    Evidence e = evidence(index, owner, t.trade, "wash trade");
    with_amount(&e, market->quote, notional);
    e.detail = amount_text(market->base, t.qty_minor) + " at " + amount_text(market->quote, t.price_minor) +
               ": maker order " + std::to_string(t.maker_order) + " of client " + std::to_string(maker->second.owner) +
               ", taker order " + std::to_string(t.taker_order) + " of client " + std::to_string(taker->second.owner);
    std::deque<WashEntry>& recent = wash[owner];
    while (!recent.empty() && block->time_ns - recent.front().evidence.time_ns > c.window_ns) recent.pop_front();
    recent.push_back(WashEntry{.value_tiyn = e.value_tiyn, .evidence = e});
    if (recent.size() < c.min_count) return;
    int128 volume = 0;
    size_t unvalued = 0;
    for (const WashEntry& w : recent) {
      if (w.value_tiyn == kNoValue) {
        unvalued++;
      } else {
        volume += w.value_tiyn;
      }
    }
    if (c.min_volume_tiyn > 0 && volume < c.min_volume_tiyn) return;
    std::vector<Evidence> evidence;
    for (const WashEntry& w : recent) evidence.push_back(w.evidence);
    std::string summary = std::to_string(recent.size()) + " trades with beneficial owner " + std::to_string(owner) +
                          " on both sides within " + duration_text(c.window_ns) + ", notional " + tenge_text(volume);
    if (unvalued > 0) summary += " (" + std::to_string(unvalued) + " without a conversion rate, not counted in it)";
    raise(Rule::wash_trading, owner, std::move(summary), std::move(evidence));
    recent.clear();
  }

  void on_rested(uint32_t index) {
    const OrderRestedPayload& p = block->events[index].order_rested;
    const auto it = orders.find(p.order);
    if (it == orders.end() || it->second.rested) return;
    OrderInfo& order = it->second;
    order.rested = true;
    const SpoofingConfig& c = config.spoofing;
    const MarketInfo* market = stream.market(p.market);
    if (!c.enabled || market == nullptr) return;
    const MarketInfo& m = *market;
    const auto book = books.find(p.market);
    QZ_ASSERT(book != books.end());  // made with the market
    const bool buy = p.side == static_cast<uint8_t>(OrderSideCode::buy);
    const auto& side = buy ? book->second.bids : book->second.asks;  // before this order's own level change
    if (side.empty()) return;
    const auto touch = buy ? std::prev(side.end()) : side.begin();
    const int64_t best = touch->first;
    const int64_t behind = buy ? best - p.price_minor : p.price_minor - best;
    if (behind <= 0 || best <= 0) return;
    const int64_t ticks = behind / m.tick_size;
    const int64_t bps = clamp64(static_cast<int128>(behind) * 10'000 / best);
    const bool away =
        (c.distance_ticks > 0 && ticks >= c.distance_ticks) || (c.distance_bps > 0 && bps >= c.distance_bps);
    if (!away) return;
    const int64_t notional =
        clamp64(static_cast<int128>(p.price_minor) * p.visible_qty_minor / pow10_i64(stream.asset_scale(m.base)));
    const int64_t value = value_tiyn(m.quote, notional);
    const bool large_vs_touch = c.size_vs_touch_pct > 0 && static_cast<int128>(p.visible_qty_minor) * 100 >=
                                                               static_cast<int128>(touch->second) * c.size_vs_touch_pct;
    const bool large_notional = c.min_notional_tiyn > 0 && value != kNoValue && value >= c.min_notional_tiyn;
    if (!large_vs_touch && !large_notional) return;
    order.suspect = true;
    Evidence e = evidence(index, order.owner, p.order, "order rested");
    with_amount(&e, m.base, p.visible_qty_minor);
    e.detail = std::string(buy ? "buy" : "sell") + " at " + amount_text(m.quote, p.price_minor) + ", " +
               std::to_string(ticks) + " ticks (" + std::to_string(bps) + " bps) behind the best " +
               (buy ? "bid " : "ask ") + amount_text(m.quote, best) + "; " +
               percent_text(bps_of(p.visible_qty_minor, touch->second)) + " of its " +
               amount_text(m.base, touch->second);
    if (value != kNoValue) e.detail += "; notional " + tenge_text(value);
    order.rested_evidence = std::move(e);
  }

  void on_cancelled(uint32_t index) {
    const OrderEndedPayload& p = block->events[index].order_ended;
    const auto reason = static_cast<OrderEndReason>(p.reason);
    if (reason != OrderEndReason::by_owner && reason != OrderEndReason::cancel_all &&
        reason != OrderEndReason::replaced) {
      return;
    }
    const auto it = orders.find(p.order);
    const SpoofingConfig& c = config.spoofing;
    if (it == orders.end() || !it->second.suspect || !c.enabled) return;
    const OrderInfo& order = it->second;
    const uint64_t lifetime = block->time_ns - order.placed_ns;
    if (lifetime > c.max_lifetime_ns) return;
    if (static_cast<int128>(p.executed_qty_minor) * 10'000 > static_cast<int128>(order.qty_minor) * c.max_filled_bps)
      return;
    const MarketInfo* market = stream.market(order.market);
    QZ_ASSERT(market != nullptr);  // suspect only when the market was known
    Evidence e = evidence(index, order.owner, p.order, "order cancelled");
    with_amount(&e, market->base, p.remaining_qty_minor);
    e.detail = "cancelled " + duration_text(lifetime) + " after placement, " +
               percent_text(bps_of(p.executed_qty_minor, order.qty_minor)) + " filled";
    std::deque<SpoofCandidate>& recent = spoof[order.owner];
    while (!recent.empty() && block->time_ns - recent.front().cancelled.time_ns > c.window_ns) recent.pop_front();
    recent.push_back(SpoofCandidate{.rested = order.rested_evidence, .cancelled = e});
    if (recent.size() < c.min_count) return;
    std::vector<Evidence> evidence;
    for (const SpoofCandidate& s : recent) {
      evidence.push_back(s.rested);
      evidence.push_back(s.cancelled);
    }
    raise(Rule::spoofing, order.owner,
          std::to_string(recent.size()) + " large orders away from the touch placed and cancelled within " +
              duration_text(c.max_lifetime_ns) + " each, within " + duration_text(c.window_ns),
          std::move(evidence));
    recent.clear();
  }
};

Monitor::Monitor(Config config) : state_(std::make_unique<State>(std::move(config))) {}
Monitor::~Monitor() = default;

void Monitor::on_block(const BlockView& block, std::vector<Alert>* alerts) {
  State& s = *state_;
  s.stream.on_block(block.height, block.time_ns);
  s.block = &block;
  s.out = alerts;
  const size_t alerts_before = alerts->size();
  for (size_t i = 0; i < block.events.size(); i++) {
    s.on_event(static_cast<uint32_t>(i));
    s.stats.events++;
  }
  s.stats.blocks++;
  s.block = nullptr;
  s.out = nullptr;
  QZ_ASSERT(alerts->size() - alerts_before <= kRuleCount * block.events.size());  // at most one per rule and event
}

const Config& Monitor::config() const { return state_->config; }
const MonitorStats& Monitor::stats() const { return state_->stats; }

const ClientView* Monitor::client(uint64_t id) const {
  const auto it = state_->clients.find(id);
  return it == state_->clients.end() ? nullptr : &it->second;
}

int64_t Monitor::value_tiyn(uint32_t asset, int64_t amount_minor) const {
  return state_->value_tiyn(asset, amount_minor);
}

}  // namespace qz::monitor
