#include "monitor/reports.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "base/assert.h"
#include "json/writer.h"
#include "monitor/internal/tracker.h"
#include "monitor/render.h"
#include "rules/limits.h"

namespace qz::monitor {

namespace {

bool leap_year(uint32_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// Days from 1970-01-01 to the first day of `month` (1-12) of `year` (>= 1970).
uint64_t days_before(uint32_t year, uint32_t month) {
  static constexpr uint16_t kDaysBeforeMonth[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  QZ_ASSERT(year >= 1970 && month >= 1 && month <= 12);
  uint64_t days = 0;
  for (uint32_t y = 1970; y < year; y++) days += leap_year(y) ? 366 : 365;
  return days + kDaysBeforeMonth[month - 1] + (month > 2 && leap_year(year) ? 1 : 0);
}

bool parse_year_digits(std::string_view text, uint32_t* year) {
  if (text.size() != 4 || text.find_first_not_of("0123456789") != std::string_view::npos) return false;
  uint32_t value = 0;
  for (const char c : text) value = value * 10 + static_cast<uint32_t>(c - '0');
  if (value < kFirstReportYear || value > kLastReportYear) return false;
  *year = value;
  return true;
}

// Offboarding and freezing reasons, in the order the reports list them (docs/clients.md).
constexpr ClientStatusReason kOffboardReasons[] = {ClientStatusReason::sanctions_match, ClientStatusReason::court_order,
                                                   ClientStatusReason::client_request, ClientStatusReason::kyc_refused,
                                                   ClientStatusReason::dormant};
constexpr ClientStatusReason kFreezeReasons[] = {ClientStatusReason::compliance_review,
                                                 ClientStatusReason::sanctions_match, ClientStatusReason::court_order};

// Non-negative minor units as a decimal with `scale` decimals.
std::string decimal_text(int128 minor, uint8_t scale) {
  const bool negative = minor < 0;
  uint128 rest = negative ? static_cast<uint128>(-minor) : static_cast<uint128>(minor);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(rest % 10)));
    rest /= 10;
  } while (rest != 0);
  while (digits.size() <= scale) digits.push_back('0');
  std::string text = negative ? "-" : "";
  for (size_t i = digits.size(); i-- > 0;) {
    text.push_back(digits[i]);
    if (i == scale && scale > 0) text.push_back('.');
  }
  return text;
}

struct ClientState {
  ClientFacts facts;
  ClientStatus status = ClientStatus::pending;
  bool ever_active = false;
  uint32_t quarter_key = 0;  // the quarter and year it was registered in
  uint32_t year_key = 0;
};

struct MarketAcc {
  uint64_t trades = 0;
  int128 qty_minor = 0;
  int128 notional_minor = 0;
  int128 value_tiyn = 0;
  uint64_t unvalued = 0;
  std::set<uint64_t> traders;
};

struct FlowAcc {
  uint64_t count = 0;
  int128 amount_minor = 0;
  int128 value_tiyn = 0;
  uint64_t unvalued = 0;
};

// What happens within one open period.
struct Accumulator {
  bool year = false;
  uint32_t key = 0;  // a year, or year * 4 + quarter - 1
  std::set<uint64_t> high_risk_during;
  std::set<uint64_t> frozen_review;
  std::set<uint64_t> frozen_sanctions;
  std::set<uint64_t> traders;
  uint64_t rejected_prospects = 0;
  uint64_t offboarded_by_reason[kMaxClientStatusReason + 1] = {};
  uint64_t frozen_by_reason[kMaxClientStatusReason + 1] = {};
  std::map<uint32_t, MarketAcc> markets;
  std::map<uint32_t, FlowAcc> deposits;
  std::map<uint32_t, FlowAcc> withdrawals;
};

}  // namespace

uint64_t ReportPeriod::from_ns() const {
  QZ_ASSERT(quarter <= 4);
  return days_before(year, quarter == 0 ? 1 : 3u * (quarter - 1u) + 1u) * kDayNs;
}

uint64_t ReportPeriod::to_ns() const {
  QZ_ASSERT(quarter <= 4);
  const uint64_t days = quarter == 0 || quarter == 4 ? days_before(year + 1, 1) : days_before(year, 3u * quarter + 1u);
  return days * kDayNs;
}

std::string ReportPeriod::name() const {
  return std::to_string(year) + (quarter == 0 ? "" : "Q" + std::to_string(quarter));
}

bool parse_report_year(std::string_view text, ReportPeriod* out) {
  uint32_t year = 0;
  if (!parse_year_digits(text, &year)) return false;
  *out = ReportPeriod{.year = year, .quarter = 0};
  return true;
}

bool parse_report_quarter(std::string_view text, ReportPeriod* out) {
  uint32_t year = 0;
  if (text.size() != 6 || (text[4] != 'Q' && text[4] != 'q') || text[5] < '1' || text[5] > '4' ||
      !parse_year_digits(text.substr(0, 4), &year)) {
    return false;
  }
  *out = ReportPeriod{.year = year, .quarter = static_cast<uint8_t>(text[5] - '0')};
  return true;
}

struct ReportBuilder::State {
  explicit State(Config c) : config(std::move(c)), stream(config.tenge_asset) {}

  Config config;

  internal::Tracker stream;             // assets, accounts, markets
  std::map<uint64_t, uint64_t> orders;  // open order -> owner
  std::map<uint64_t, ClientState> clients;
  std::set<uint64_t> standing_high_risk;  // high-risk clients not offboarded, now
  uint64_t pending_trade = 0;             // the trade whose notional the next order_filled carries
  uint32_t pending_market = 0;

  std::optional<Accumulator> quarter;  // the open periods: the newest block's quarter and year
  std::optional<Accumulator> year;
  uint32_t first_quarter_key = 0;
  uint32_t first_year_key = 0;
  std::map<uint32_t, PeriodFigures> closed_quarters;
  std::map<uint32_t, PeriodFigures> closed_years;

  // --- lookups -----------------------------------------------------------------------------------------------

  // The tenge value at the rate known now, rounded up; false without a rate.
  bool value_tiyn(uint32_t asset_id, int64_t amount_minor, int128* value) const {
    const internal::AssetInfo* info = stream.asset(asset_id);
    if (info == nullptr || amount_minor < 0 || info->scale > 18) return false;
    const int64_t rate = stream.rate_tiyn(*info);
    if (rate <= 0) return false;
    *value = tenge_value_128(amount_minor, info->scale, rate);
    return true;
  }
  bool high_risk(const ClientFacts& facts) const {
    const std::vector<std::string>& listed = config.high_risk.countries;
    return std::find(listed.begin(), listed.end(), std::string(facts.residence, 2)) != listed.end() ||
           std::find(listed.begin(), listed.end(), std::string(facts.nationality, 2)) != listed.end();
  }
  template <typename F>
  void each_open(F&& f) {
    f(*quarter);
    f(*year);
  }

  // --- periods -----------------------------------------------------------------------------------------------

  Accumulator open_period(bool is_year, uint32_t key) const {
    Accumulator a;
    a.year = is_year;
    a.key = key;
    a.high_risk_during = standing_high_risk;  // high-risk when the period begins
    return a;
  }

  // Moves the open period of one length forward to `key`, closing it and every period in between.
  void roll(std::optional<Accumulator>* open, bool is_year, uint32_t key, std::map<uint32_t, PeriodFigures>* closed) {
    if (!open->has_value()) {
      *open = open_period(is_year, key);
      (is_year ? first_year_key : first_quarter_key) = key;
      return;
    }
    QZ_ASSERT((*open)->key <= key);
    while ((*open)->key < key) {
      const uint32_t next = (*open)->key + 1;
      closed->emplace((*open)->key, finish(**open));
      *open = open_period(is_year, next);
    }
  }

  // The figures of a period, with those at its end taken from the state now.
  PeriodFigures finish(const Accumulator& a) const {
    PeriodFigures f;
    for (const auto& [id, c] : clients) {
      f.registered_end++;
      f.status_end[static_cast<uint8_t>(c.status)]++;
      const bool standing = c.status != ClientStatus::offboarded;
      const bool fresh = (a.year ? c.year_key : c.quarter_key) == a.key;
      if (!standing && !fresh) continue;
      const auto count = [&](ClientCount* cc) {
        if (standing) cc->total_end++;
        if (fresh) cc->new_in_period++;
      };
      count(&f.clients);
      count(&f.by_class[static_cast<uint8_t>(c.facts.classification)]);
      count(&f.by_tier[c.facts.kyc_tier]);
      count(&f.by_residence[std::string(c.facts.residence, 2)]);
      if (high_risk(c.facts)) count(&f.high_risk);
    }
    f.high_risk_during = a.high_risk_during.size();
    f.rejected_prospects = a.rejected_prospects;
    for (uint16_t reason = 0; reason <= kMaxClientStatusReason; reason++) {
      f.offboarded_by_reason[reason] = a.offboarded_by_reason[reason];
      f.frozen_by_reason[reason] = a.frozen_by_reason[reason];
      f.offboarded += a.offboarded_by_reason[reason];
      f.frozen += a.frozen_by_reason[reason];
    }
    std::set<uint64_t> edd = a.high_risk_during;
    edd.insert(a.frozen_review.begin(), a.frozen_review.end());
    edd.insert(a.frozen_sanctions.begin(), a.frozen_sanctions.end());
    f.edd_clients = edd.size();
    f.edd_compliance_review = a.frozen_review.size();
    f.edd_sanctions_match = a.frozen_sanctions.size();
    f.active_traders = a.traders.size();
    for (const auto& [id, m] : a.markets) {
      const internal::MarketInfo* market = stream.market(id);
      QZ_ASSERT(market != nullptr);  // a trade is only counted in a known market
      const uint32_t base = market->base;
      const uint32_t quote = market->quote;
      f.trades += m.trades;
      f.markets.push_back(MarketVolume{.market = id,
                                       .symbol = stream.asset_code(base) + "/" + stream.asset_code(quote),
                                       .base_scale = stream.asset_scale(base),
                                       .quote_scale = stream.asset_scale(quote),
                                       .trades = m.trades,
                                       .traders = m.traders.size(),
                                       .base_qty_minor = m.qty_minor,
                                       .quote_notional_minor = m.notional_minor,
                                       .value_tiyn = m.value_tiyn,
                                       .unvalued_trades = m.unvalued});
    }
    const auto flows = [&](const std::map<uint32_t, FlowAcc>& from, std::vector<AssetFlow>* to) {
      for (const auto& [asset, flow] : from) {
        to->push_back(AssetFlow{.asset = asset,
                                .code = stream.asset_code(asset),
                                .scale = stream.asset_scale(asset),
                                .count = flow.count,
                                .amount_minor = flow.amount_minor,
                                .value_tiyn = flow.value_tiyn,
                                .unvalued = flow.unvalued});
      }
    };
    flows(a.deposits, &f.deposits);
    flows(a.withdrawals, &f.withdrawals);
    QZ_ASSERT(f.clients.total_end + f.status_end[static_cast<uint8_t>(ClientStatus::offboarded)] == f.registered_end);
    QZ_ASSERT(f.by_class[1].total_end + f.by_class[2].total_end == f.clients.total_end);
    return f;
  }

  // --- the stream ---------------------------------------------------------------------------------------------

  void on_event(const BlockView& block, uint32_t index) {
    const Event& event = block.events[index];
    stream.on_event(event);
    switch (event.event_kind()) {
      case EventKind::client_registered:
      case EventKind::client_updated: on_client_facts(event); break;
      case EventKind::client_status_changed: on_status(event.client_status_changed); break;
      case EventKind::transfer_posted: {
        const TransferPostedPayload& p = event.transfer_posted;
        on_transfer(p.debit, p.credit, p.amount_minor);
        break;
      }
      case EventKind::hold_posted: {
        const HoldPostedPayload& p = event.hold_posted;
        on_transfer(p.debit, p.credit, p.amount_minor);
        break;
      }
      case EventKind::order_accepted: {
        const internal::AccountInfo* owner = stream.account(event.order_accepted.account);
        if (owner != nullptr) orders[event.order_accepted.order] = owner->owner;
        break;
      }
      case EventKind::trade: on_trade(event.trade); break;
      case EventKind::order_filled: {
        const OrderFilledPayload& p = event.order_filled;
        if (pending_trade != 0 && p.trade == pending_trade) on_notional(p.quote_qty_minor);
        if (p.remaining_qty_minor == 0) orders.erase(p.order);
        break;
      }
      case EventKind::order_cancelled:
      case EventKind::order_expired: orders.erase(event.order_ended.order); break;
      default: break;
    }
  }

  void on_client_facts(const Event& event) {
    const ClientFactsSetPayload& p = event.client_facts;
    QZ_ASSERT(p.classification >= 1 && p.classification <= 2 && p.kyc_tier <= kMaxKycTier);
    const bool registered = event.event_kind() == EventKind::client_registered;
    QZ_ASSERT(registered != clients.contains(p.client));
    ClientState& c = clients[p.client];
    c.facts = internal::client_facts_of(p);
    c.status = static_cast<ClientStatus>(p.status);
    if (registered) {
      c.quarter_key = quarter->key;
      c.year_key = year->key;
    }
    if (high_risk(c.facts)) {
      standing_high_risk.insert(p.client);
      each_open([&](Accumulator& a) { a.high_risk_during.insert(p.client); });
    } else {
      standing_high_risk.erase(p.client);
    }
  }

  void on_status(const ClientStatusChangedPayload& p) {
    const auto it = clients.find(p.client);
    QZ_ASSERT(it != clients.end() && p.reason <= kMaxClientStatusReason);
    ClientState& c = it->second;
    const auto status = static_cast<ClientStatus>(p.status);
    const auto reason = static_cast<ClientStatusReason>(p.reason);
    if (status == ClientStatus::frozen) {
      each_open([&](Accumulator& a) {
        a.frozen_by_reason[p.reason]++;
        if (reason == ClientStatusReason::compliance_review) a.frozen_review.insert(p.client);
        if (reason == ClientStatusReason::sanctions_match) a.frozen_sanctions.insert(p.client);
      });
    } else if (status == ClientStatus::offboarded) {
      const bool prospect = reason == ClientStatusReason::kyc_refused && !c.ever_active;
      each_open([&](Accumulator& a) {
        a.offboarded_by_reason[p.reason]++;
        if (prospect) a.rejected_prospects++;
      });
      standing_high_risk.erase(p.client);
    } else if (status == ClientStatus::active) {
      c.ever_active = true;
    }
    c.status = status;
  }

  // Deposits and withdrawals (Tracker::venue_flow), counted per asset.
  void on_transfer(uint64_t debit, uint64_t credit, int64_t amount_minor) {
    internal::VenueFlow venue;
    if (!stream.venue_flow(debit, credit, &venue)) return;
    int128 value = 0;
    const bool valued = value_tiyn(venue.asset, amount_minor, &value);
    each_open([&](Accumulator& a) {
      FlowAcc& flow = (venue.deposit ? a.deposits : a.withdrawals)[venue.asset];
      flow.count++;
      flow.amount_minor += amount_minor;
      if (valued) {
        flow.value_tiyn += value;
      } else {
        flow.unvalued++;
      }
    });
  }

  void on_trade(const TradePayload& t) {
    if (stream.market(t.market) == nullptr) return;
    const auto maker = orders.find(t.maker_order);
    const auto taker = orders.find(t.taker_order);
    each_open([&](Accumulator& a) {
      MarketAcc& m = a.markets[t.market];
      m.trades++;
      m.qty_minor += t.qty_minor;
      for (const auto& side : {maker, taker}) {
        if (side == orders.end()) continue;
        m.traders.insert(side->second);
        a.traders.insert(side->second);
      }
    });
    pending_trade = t.trade;
    pending_market = t.market;
  }

  // The notional of the pending trade, from the first order_filled after it.
  void on_notional(int64_t notional_minor) {
    int128 value = 0;
    const internal::MarketInfo* market = stream.market(pending_market);
    QZ_ASSERT(market != nullptr);  // pending only after a trade in a known market
    const bool valued = value_tiyn(market->quote, notional_minor, &value);
    each_open([&](Accumulator& a) {
      MarketAcc& m = a.markets[pending_market];
      m.notional_minor += notional_minor;
      if (valued) {
        m.value_tiyn += value;
      } else {
        m.unvalued++;
      }
    });
    pending_trade = 0;
  }
};

ReportBuilder::ReportBuilder(Config config) : state_(std::make_unique<State>(std::move(config))) {}
ReportBuilder::~ReportBuilder() = default;

void ReportBuilder::on_block(const BlockView& block) {
  State& s = *state_;
  s.stream.on_block(block.height, block.time_ns);
  const uint32_t month = period_of(block.time_ns).month;  // year * 12 + month - 1
  s.roll(&s.quarter, false, month / 3, &s.closed_quarters);
  s.roll(&s.year, true, month / 12, &s.closed_years);
  QZ_ASSERT(s.quarter->key / 4 == s.year->key);
  for (size_t i = 0; i < block.events.size(); i++) s.on_event(block, static_cast<uint32_t>(i));
  s.pending_trade = 0;
}

bool ReportBuilder::report(ReportKind kind, ReportPeriod period, std::span<const FiledReport> filed,
                           Report* out) const {
  const State& s = *state_;
  QZ_ASSERT(kind == ReportKind::aml_annual ? period.quarter == 0 : period.quarter >= 1 && period.quarter <= 4);
  QZ_ASSERT(period.year >= kFirstReportYear && period.year <= kLastReportYear);
  if (!s.stream.started()) return false;
  const bool annual = period.quarter == 0;
  const uint32_t key = annual ? period.year : period.year * 4 + period.quarter - 1u;
  const Accumulator& open = annual ? *s.year : *s.quarter;
  if (key > open.key) return false;
  Report r;
  r.kind = kind;
  r.period = period;
  r.complete = key < open.key;
  r.journal_height = s.stream.height();
  r.journal_time_ns = s.stream.time_ns();
  r.tenge = s.config.tenge_asset;
  r.high_risk_countries = s.config.high_risk.countries;
  r.config_digest = config_digest(s.config);
  if (key == open.key) {
    r.figures = s.finish(open);
  } else if (key >= (annual ? s.first_year_key : s.first_quarter_key)) {
    r.figures = (annual ? s.closed_years : s.closed_quarters).at(key);
  }  // else: before the first block, nothing happened
  if (kind == ReportKind::aml_annual) {
    const uint64_t from = period.from_ns();
    const uint64_t to = period.to_ns();
    for (const FiledReport& f : filed) {
      if (f.filed_at_ns >= from && f.filed_at_ns < to) r.filed.push_back(f);
    }
    std::sort(r.filed.begin(), r.filed.end(), [](const FiledReport& a, const FiledReport& b) {
      return a.filed_at_ns != b.filed_at_ns ? a.filed_at_ns < b.filed_at_ns : a.case_id < b.case_id;
    });
  }
  *out = std::move(r);
  return true;
}

uint64_t ReportBuilder::height() const { return state_->stream.height(); }
uint64_t ReportBuilder::time_ns() const { return state_->stream.time_ns(); }

// --- output -----------------------------------------------------------------------------------------------------

namespace {

const char* report_name(ReportKind kind) {
  return kind == ReportKind::aml_annual ? "aml_annual_statistics" : "quarterly_client_and_volume";
}
const char* report_format(ReportKind kind) {
  return kind == ReportKind::aml_annual ? "qazna.report.aml.v1" : "qazna.report.quarterly.v1";
}

std::string countries_text(const std::vector<std::string>& countries) {
  std::string text;
  for (const std::string& code : countries) text += (text.empty() ? "" : " ") + code;
  return text;
}

void json_count(json::Writer* json, const ClientCount& count) {
  json->field("total_end", count.total_end).field("new", count.new_in_period);
}

}  // namespace

std::string report_json(const Report& report) {
  const PeriodFigures& f = report.figures;
  const bool aml = report.kind == ReportKind::aml_annual;
  const std::string value_key = "value_" + report.tenge;
  json::Writer json;
  json.begin_object()
      .field("report", report_name(report.kind))
      .field("format", report_format(report.kind))
      .field("period", report.period.name())
      .field("from", format_time_utc(report.period.from_ns()))
      .field("to", format_time_utc(report.period.to_ns()));
  json.field("complete", report.complete);
  json.field("journal_height", report.journal_height)
      .field("journal_time", format_time_utc(report.journal_time_ns))
      .field("config_digest", report.config_digest);
  json.key("high_risk_countries").begin_array();
  for (const std::string& code : report.high_risk_countries) json.value(code);
  json.end_array().field("tenge", report.tenge);

  json.key("clients").begin_object();
  json.field("registered_end", f.registered_end);
  json_count(&json, f.clients);
  json.key("status_end").begin_object();
  for (uint8_t status = 1; status <= 4; status++) {
    json.field(client_status_name(static_cast<ClientStatus>(status)), f.status_end[status]);
  }
  json.end_object().key("by_class").begin_array();
  for (uint8_t c = 1; c <= 2; c++) {
    json.begin_object().field("class", client_class_name(static_cast<ClientClass>(c)));
    json_count(&json, f.by_class[c]);
    json.end_object();
  }
  json.end_array().key("by_kyc_tier").begin_array();
  for (uint8_t tier = 0; tier <= kMaxKycTier; tier++) {
    json.begin_object().field("kyc_tier", uint64_t{tier});
    json_count(&json, f.by_tier[tier]);
    json.end_object();
  }
  json.end_array().key("by_residence").begin_array();
  for (const auto& [code, count] : f.by_residence) {
    json.begin_object().field("residence", code);
    json_count(&json, count);
    json.end_object();
  }
  json.end_array().end_object();

  json.key("high_risk").begin_object();
  json_count(&json, f.high_risk);
  json.field("during", f.high_risk_during).end_object();

  if (aml) json.field("rejected_prospects", f.rejected_prospects);
  json.key("offboarded").begin_object().field("total", f.offboarded).key("by_reason").begin_object();
  for (const ClientStatusReason reason : kOffboardReasons) {
    json.field(client_status_reason_name(reason), f.offboarded_by_reason[static_cast<uint16_t>(reason)]);
  }
  json.end_object().end_object();

  if (aml) {
    json.key("frozen").begin_object().field("total", f.frozen).key("by_reason").begin_object();
    for (const ClientStatusReason reason : kFreezeReasons) {
      json.field(client_status_reason_name(reason), f.frozen_by_reason[static_cast<uint16_t>(reason)]);
    }
    json.end_object().end_object();
    json.key("enhanced_due_diligence")
        .begin_object()
        .field("clients", f.edd_clients)
        .field("high_risk", f.high_risk_during)
        .field("frozen_compliance_review", f.edd_compliance_review)
        .field("frozen_sanctions_match", f.edd_sanctions_match)
        .end_object();
    json.key("reports_filed").begin_object().field("str", uint64_t{report.filed.size()}).key("cases").begin_array();
    for (const FiledReport& filed : report.filed) {
      json.begin_object()
          .field("case", filed.case_id)
          .field("client", filed.client)
          .field("filed_at", format_time_utc(filed.filed_at_ns))
          .end_object();
    }
    json.end_array().end_object();
  } else {
    json.key("trading").begin_object().field("trades", f.trades).field("active_traders", f.active_traders);
    json.key("markets").begin_array();
    for (const MarketVolume& m : f.markets) {
      json.begin_object()
          .field("market", m.market)
          .field("symbol", m.symbol)
          .field("trades", m.trades)
          .field("traders", m.traders)
          .field("base_quantity", json::Decimal{decimal_text(m.base_qty_minor, m.base_scale)})
          .field("quote_notional", json::Decimal{decimal_text(m.quote_notional_minor, m.quote_scale)})
          .field(value_key, json::Decimal{decimal_text(m.value_tiyn, 2)})
          .field("unvalued_trades", m.unvalued_trades)
          .end_object();
    }
    json.end_array().end_object();
    for (const auto& [name, flows] : {std::pair{"deposits", &f.deposits}, std::pair{"withdrawals", &f.withdrawals}}) {
      json.key(name).begin_array();
      for (const AssetFlow& flow : *flows) {
        json.begin_object()
            .field("asset", flow.code)
            .field("count", flow.count)
            .field("amount", json::Decimal{decimal_text(flow.amount_minor, flow.scale)})
            .field(value_key, json::Decimal{decimal_text(flow.value_tiyn, 2)})
            .field("unvalued", flow.unvalued)
            .end_object();
      }
      json.end_array();
    }
  }
  json.end_object();
  return json.take();
}

namespace {

class Csv {
 public:
  Csv() { text_ = "section,item,figure,value\n"; }
  void row(std::string_view section, std::string_view item, std::string_view figure, std::string_view value) {
    cell(section);
    text_ += ',';
    cell(item);
    text_ += ',';
    cell(figure);
    text_ += ',';
    cell(value);
    text_ += '\n';
  }
  void row(std::string_view section, std::string_view item, std::string_view figure, uint64_t value) {
    row(section, item, figure, std::to_string(value));
  }
  void count(std::string_view section, std::string_view item, const ClientCount& count) {
    row(section, item, "total_end", count.total_end);
    row(section, item, "new", count.new_in_period);
  }
  const std::string& text() const { return text_; }

 private:
  // RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled.
  void cell(std::string_view value) {
    if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
      text_ += value;
      return;
    }
    text_ += '"';
    for (const char c : value) {
      if (c == '"') text_ += '"';
      text_ += c;
    }
    text_ += '"';
  }
  std::string text_;
};

}  // namespace

std::string report_csv(const Report& report) {
  const PeriodFigures& f = report.figures;
  const bool aml = report.kind == ReportKind::aml_annual;
  const std::string value_key = "value_" + report.tenge;
  Csv csv;
  csv.row("report", "", "name", report_name(report.kind));
  csv.row("report", "", "format", report_format(report.kind));
  csv.row("report", "", "period", report.period.name());
  csv.row("report", "", "from", format_time_utc(report.period.from_ns()));
  csv.row("report", "", "to", format_time_utc(report.period.to_ns()));
  csv.row("report", "", "complete", report.complete ? "true" : "false");
  csv.row("report", "", "journal_height", report.journal_height);
  csv.row("report", "", "journal_time", format_time_utc(report.journal_time_ns));
  csv.row("report", "", "config_digest", report.config_digest);
  csv.row("report", "", "high_risk_countries", countries_text(report.high_risk_countries));
  csv.row("report", "", "tenge", report.tenge);

  csv.row("clients", "", "registered_end", f.registered_end);
  csv.count("clients", "", f.clients);
  for (uint8_t status = 1; status <= 4; status++) {
    csv.row("clients_by_status", client_status_name(static_cast<ClientStatus>(status)), "end", f.status_end[status]);
  }
  for (uint8_t c = 1; c <= 2; c++) {
    csv.count("clients_by_class", client_class_name(static_cast<ClientClass>(c)), f.by_class[c]);
  }
  for (uint8_t tier = 0; tier <= kMaxKycTier; tier++) {
    csv.count("clients_by_kyc_tier", std::to_string(tier), f.by_tier[tier]);
  }
  for (const auto& [code, count] : f.by_residence) csv.count("clients_by_residence", code, count);
  csv.count("high_risk", "", f.high_risk);
  csv.row("high_risk", "", "during", f.high_risk_during);

  if (aml) csv.row("rejected_prospects", "", "count", f.rejected_prospects);
  csv.row("offboarded", "", "total", f.offboarded);
  for (const ClientStatusReason reason : kOffboardReasons) {
    csv.row("offboarded_by_reason", client_status_reason_name(reason), "count",
            f.offboarded_by_reason[static_cast<uint16_t>(reason)]);
  }
  if (aml) {
    csv.row("frozen", "", "total", f.frozen);
    for (const ClientStatusReason reason : kFreezeReasons) {
      csv.row("frozen_by_reason", client_status_reason_name(reason), "count",
              f.frozen_by_reason[static_cast<uint16_t>(reason)]);
    }
    csv.row("enhanced_due_diligence", "", "clients", f.edd_clients);
    csv.row("enhanced_due_diligence", "", "high_risk", f.high_risk_during);
    csv.row("enhanced_due_diligence", "", "frozen_compliance_review", f.edd_compliance_review);
    csv.row("enhanced_due_diligence", "", "frozen_sanctions_match", f.edd_sanctions_match);
    csv.row("reports_filed", "", "str", uint64_t{report.filed.size()});
    for (const FiledReport& filed : report.filed) {
      const std::string item = std::to_string(filed.case_id);
      csv.row("reports_filed_cases", item, "client", filed.client);
      csv.row("reports_filed_cases", item, "filed_at", format_time_utc(filed.filed_at_ns));
    }
  } else {
    csv.row("trading", "", "trades", f.trades);
    csv.row("trading", "", "active_traders", f.active_traders);
    for (const MarketVolume& m : f.markets) {
      const std::string item = std::to_string(m.market);
      csv.row("trading_by_market", item, "symbol", m.symbol);
      csv.row("trading_by_market", item, "trades", m.trades);
      csv.row("trading_by_market", item, "traders", m.traders);
      csv.row("trading_by_market", item, "base_quantity", decimal_text(m.base_qty_minor, m.base_scale));
      csv.row("trading_by_market", item, "quote_notional", decimal_text(m.quote_notional_minor, m.quote_scale));
      csv.row("trading_by_market", item, value_key, decimal_text(m.value_tiyn, 2));
      csv.row("trading_by_market", item, "unvalued_trades", m.unvalued_trades);
    }
    for (const auto& [name, flows] : {std::pair{"deposits", &f.deposits}, std::pair{"withdrawals", &f.withdrawals}}) {
      for (const AssetFlow& flow : *flows) {
        csv.row(name, flow.code, "count", flow.count);
        csv.row(name, flow.code, "amount", decimal_text(flow.amount_minor, flow.scale));
        csv.row(name, flow.code, value_key, decimal_text(flow.value_tiyn, 2));
        csv.row(name, flow.code, "unvalued", flow.unvalued);
      }
    }
  }
  return csv.text();
}

}  // namespace qz::monitor
