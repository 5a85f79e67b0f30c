// The regulator's reports, generated from the journal (docs/reports.md): the AFSA annual AML statistics and the
// quarterly client and volume report.
//
// The ReportBuilder is fed block by block like the Monitor, with what the engine produced (height, block time,
// commands, events), and derives everything from that stream alone: client facts and statuses from the client
// events, accounts, assets, markets, orders' owners and conversion rates from theirs. It accumulates figures per
// UTC calendar year and quarter of block time. A period opens with the first block in it (periods a later block
// jumps over open and close at once) and closes when a block of a later period arrives: the figures "at the
// period's end" are taken then, from the state after the period's last block. The period holding the newest block
// is still open; its report is taken as of that block and marked incomplete.
//
// Reports filed with the regulator (STRs) are not in the journal but in the case store: the caller passes them in,
// so the builder stays a pure function of the blocks and its inputs.
//
// Deterministic: the same blocks, Config and filed reports give the same Report and the same bytes of JSON and CSV.
// State is kept in ordered maps and sets. Single-threaded: one thread calls on_block.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/checked.h"
#include "monitor/config.h"
#include "monitor/monitor.h"

namespace qz::monitor {

inline constexpr uint32_t kFirstReportYear = 1970;
inline constexpr uint32_t kLastReportYear = 2200;

// A UTC calendar year (quarter 0) or one of its quarters (1-4).
struct ReportPeriod {
  uint32_t year = kFirstReportYear;  // kFirstReportYear..kLastReportYear
  uint8_t quarter = 0;               // 0 = the whole year
  uint64_t from_ns() const;          // its first nanosecond since the Unix epoch
  uint64_t to_ns() const;            // the first nanosecond after it
  std::string name() const;          // "2026", "2026Q3"
  bool operator==(const ReportPeriod&) const = default;
};
// "2026": four digits, a year in range. False otherwise.
[[nodiscard]] bool parse_report_year(std::string_view text, ReportPeriod* out);
// "2026Q3" (or "2026q3"): a year in range and a quarter 1-4. False otherwise.
[[nodiscard]] bool parse_report_quarter(std::string_view text, ReportPeriod* out);

// A suspicious transaction report filed: a case closed with outcome str_filed (from the case store).
struct FiledReport {
  uint64_t case_id = 0;
  uint64_t client = 0;
  uint64_t filed_at_ns = 0;  // when the case was closed
  bool operator==(const FiledReport&) const = default;
};

// Clients standing at the period's end (registered and not offboarded) and clients registered in the period.
struct ClientCount {
  uint64_t total_end = 0;
  uint64_t new_in_period = 0;
  bool operator==(const ClientCount&) const = default;
};

// Deposits or withdrawals of one asset in the period.
struct AssetFlow {
  uint32_t asset = 0;
  std::string code;
  uint8_t scale = 0;
  uint64_t count = 0;
  int128 amount_minor = 0;
  int128 value_tiyn = 0;  // the movements with a tenge value, each at the rate of its moment (rounded up)
  uint64_t unvalued = 0;  // movements of the asset while it had no rate: not in value_tiyn
  bool operator==(const AssetFlow&) const = default;
};

// Trading in one market in the period.
struct MarketVolume {
  uint32_t market = 0;
  std::string symbol;  // "BTC/KZT": base/quote asset codes
  uint8_t base_scale = 0;
  uint8_t quote_scale = 0;
  uint64_t trades = 0;
  uint64_t traders = 0;  // distinct owners of the orders on either side of its trades
  int128 base_qty_minor = 0;
  int128 quote_notional_minor = 0;
  int128 value_tiyn = 0;         // the notional of trades with a tenge value, each at the quote asset's rate then
  uint64_t unvalued_trades = 0;  // trades while the quote asset had no rate: not in value_tiyn
  bool operator==(const MarketVolume&) const = default;
};

// Every figure of one period (definitions in docs/reports.md). Arrays are indexed by the enum's number.
struct PeriodFigures {
  uint64_t registered_end = 0;  // clients ever registered, up to the period's end
  ClientCount clients;
  uint64_t status_end[5] = {};  // by ClientStatus, at the period's end
  ClientCount by_class[3];      // by ClientClass (1 retail, 2 professional), facts at the period's end
  ClientCount by_tier[4];       // by KYC tier
  std::map<std::string, ClientCount> by_residence;  // by residence code; only codes with a client
  ClientCount high_risk;                            // residence or nationality in the high-risk list
  uint64_t high_risk_during = 0;                    // standing high-risk clients at any moment of the period
  uint64_t rejected_prospects = 0;
  uint64_t offboarded = 0;
  uint64_t offboarded_by_reason[kMaxClientStatusReason + 1] = {};  // by ClientStatusReason
  uint64_t frozen = 0;
  uint64_t frozen_by_reason[kMaxClientStatusReason + 1] = {};
  uint64_t edd_clients = 0;            // distinct: high_risk_during, or frozen for compliance_review or sanctions_match
  uint64_t edd_compliance_review = 0;  // distinct clients frozen with that reason in the period
  uint64_t edd_sanctions_match = 0;
  uint64_t trades = 0;
  uint64_t active_traders = 0;        // distinct owners of an order that traded
  std::vector<MarketVolume> markets;  // market id order; markets with a trade
  std::vector<AssetFlow> deposits;    // asset id order; assets with a movement
  std::vector<AssetFlow> withdrawals;
  bool operator==(const PeriodFigures&) const = default;
};

enum class ReportKind : uint8_t { aml_annual = 1, quarterly = 2 };

struct Report {
  ReportKind kind = ReportKind::aml_annual;
  ReportPeriod period;
  bool complete = false;         // the journal has a block at or after the period's end: the figures are final
  uint64_t journal_height = 0;   // the newest block the figures include
  uint64_t journal_time_ns = 0;  // and its time
  std::string tenge = "KZT";
  std::vector<std::string> high_risk_countries;
  std::string config_digest;
  PeriodFigures figures;
  std::vector<FiledReport> filed;  // STRs filed in the period, by time then case id
};

class ReportBuilder {
 public:
  explicit ReportBuilder(Config config = {});
  ~ReportBuilder();
  ReportBuilder(const ReportBuilder&) = delete;
  ReportBuilder& operator=(const ReportBuilder&) = delete;

  // Precondition (asserted): heights and times increase from block to block.
  void on_block(const BlockView& block);

  // The report of `period` (a year for aml_annual, a quarter for quarterly: asserted), with the filed reports of
  // the period taken from `filed`. False when no block was fed yet or the period begins after the newest block
  // (the journal does not reach it). A period that ended before the first block has only zeros.
  [[nodiscard]] bool report(ReportKind kind, ReportPeriod period, std::span<const FiledReport> filed,
                            Report* out) const;

  uint64_t height() const;   // the newest block fed
  uint64_t time_ns() const;  // its time

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One JSON object on one line, without a newline. Field names in docs/reports.md.
std::string report_json(const Report& report);
// "section,item,figure,value" rows after that header, one per figure, each ending in "\n" (docs/reports.md).
std::string report_csv(const Report& report);

}  // namespace qz::monitor
