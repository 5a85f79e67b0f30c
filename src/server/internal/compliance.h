// The venue's compliance side (docs/server.md, "Compliance routes"): the client store (DIR/clients.db, kyc/store.h),
// the case store (DIR/monitor.db, monitor/cases.h), the travel-rule records of crypto deposits and withdrawals
// (DIR/travel_rule.db)
// and the sanctions lists (loaded only when VenueOptions::sanctions_lists_dir names them).
//
// Thread rules: the stores and the KYC flow are single-threaded; every route takes `mutex` for the whole step
// (steps that submit commands wait for their block under it, so compliance steps run one at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "app/ivms101.h"
#include "base/sha256.h"
#include "kyc/flow.h"
#include "kyc/node_core.h"
#include "kyc/store.h"
#include "monitor/cases.h"
#include "rules/travel_rule.h"
#include "sqlite/sqlite.h"

namespace qz::server {

struct Compliance {
  std::mutex mutex;
  std::unique_ptr<kyc::ClientStore> clients;
  std::unique_ptr<monitor::CaseStore> cases;
  std::unique_ptr<sqlite::Database> travel;    // DIR/travel_rule.db
  std::unique_ptr<kyc::ScreeningLists> lists;  // nullptr: no lists configured, nothing is screened
  std::unique_ptr<kyc::NodeCore> core;
  std::unique_ptr<kyc::Kyc> flow;
};

// The crypto movements that carry travel-rule data.
enum class Movement : uint8_t { deposit = 1, withdrawal = 2 };
const char* movement_name(Movement movement);  // "deposit", "withdrawal"

// What POST /v1/deposits or /v1/withdrawals checked before the transfer or hold is submitted.
struct TravelRuleCheck {
  Movement movement = Movement::withdrawal;
  bool travel_rule = false;  // a crypto movement: the record below was read and passed the gate
  std::string record_json;   // the IVMS101 record as sent
  app::Ivms101Record record;
  Hash256 digest;       // app::ivms101_digest(record)
  uint32_t fields = 0;  // the gate's presence bits
  Counterparty counterparty = Counterparty::vasp;
  int64_t usd_cents = 0;  // the value the gate used
  bool usd_known = true;  // false: no rate; the full set was required
  // Compliance::mutex from the check until the record is kept, so that no approval can come between a
  // withdrawal's hold and its screening.
  std::unique_lock<std::mutex> lock;
};

}  // namespace qz::server
