// What both readers of the event stream in this module (the Monitor's rules and the ReportBuilder) learn from it
// alike: assets with their codes, scales and journaled conversion rates, accounts with owner, asset and kind,
// markets with their assets and tick, and which transfers cross between the venue and a customer (deposits and
// withdrawals). Internal to the module.
//
// Fed every block (on_block) and then its events in stream order (on_event), it keeps the newest block's height and
// time and what asset_created, account_opened, conversion_rate_set and market_created say, and ignores the rest. State
// is in ordered maps and a vector indexed by account id, so nothing hash-ordered reaches a caller. Single-threaded,
// like its owners.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/event.h"
#include "rules/clients.h"

namespace qz::monitor::internal {

struct AssetInfo {
  std::string code;
  uint8_t scale = 0;
  int64_t rate_tiyn = 0;  // per whole unit, as journaled; 0 = none
};

struct AccountInfo {
  uint64_t owner = 0;
  uint32_t asset = 0;
  uint8_t kind = 0;  // AccountKind; 0 = not seen
};

struct MarketInfo {
  uint32_t base = 0;
  uint32_t quote = 0;
  int64_t tick_size = 1;  // at least 1
};

// A transfer between a venue account (custody or issuance) and a customer account.
struct VenueFlow {
  bool deposit = false;  // venue -> customer; false: customer -> venue, a withdrawal
  uint64_t client = 0;   // the customer account's owner
  uint32_t asset = 0;    // the customer account's asset (the ledger moves one asset per transfer)
  const AccountInfo* from = nullptr;
  const AccountInfo* to = nullptr;
};

// The client facts an event of client_registered or client_updated carries.
ClientFacts client_facts_of(const ClientFactsSetPayload& payload);

class Tracker {
 public:
  // `tenge_asset`: the code of the asset that is the tenge itself (worth 100 tiyn a unit, whatever the journal).
  explicit Tracker(std::string tenge_asset) : tenge_asset_(std::move(tenge_asset)) {}

  // Precondition (asserted): heights and times increase from block to block.
  void on_block(uint64_t height, uint64_t time_ns);
  void on_event(const Event& event);

  bool started() const { return started_; }    // a block was fed
  uint64_t height() const { return height_; }  // the newest block's; 0 before the first
  uint64_t time_ns() const { return time_ns_; }

  // nullptr for an id never opened (or created).
  const AccountInfo* account(uint64_t id) const;
  const AssetInfo* asset(uint32_t id) const;
  const MarketInfo* market(uint32_t id) const;

  // The asset's code, or its id as text when it is unknown; its scale, 0 when unknown.
  std::string asset_code(uint32_t id) const;
  uint8_t asset_scale(uint32_t id) const;
  // Tiyn per whole unit: 100 for the tenge, the journaled rate for any other asset; 0 without one.
  int64_t rate_tiyn(const AssetInfo& info) const;

  // The transfer from `debit` to `credit` as a deposit or a withdrawal; false when it is neither (an account is
  // unknown, or both are the venue's or both customers').
  [[nodiscard]] bool venue_flow(uint64_t debit, uint64_t credit, VenueFlow* out) const;

 private:
  std::string tenge_asset_;
  bool started_ = false;
  uint64_t height_ = 0;
  uint64_t time_ns_ = 0;
  std::map<uint32_t, AssetInfo> assets_;
  std::vector<AccountInfo> accounts_;  // index = account id - 1
  std::map<uint32_t, MarketInfo> markets_;
};

}  // namespace qz::monitor::internal
