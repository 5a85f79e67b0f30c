// The digital tenge's program reports from the journal (docs/money.md, "Reports"): a program's money by state,
// and the trail of its money hop by hop from the issuer to its terminal recipients.
//
// Built from the engine's events alone (wallet_opened, program_published, the plans' events, lot_changed,
// release_opened and release_closed), block by block as a replay of the journal hands them over, so a report
// is what the chain of blocks proves, not what one node's state says. Deterministic; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/event.h"
#include "money/money.h"

namespace qz::app {

struct TrailStep {
  uint64_t height = 0;
  uint64_t time_ns = 0;
  const char* hop = "";  // granted, released, passed, unwrapped, returned, released_at_expiry
  uint64_t from = 0;     // wallet ids
  uint64_t to = 0;
  int64_t amount_minor = 0;
  bool pending = false;  // money granted into (or returned from) a pending release rather than a lot
  uint64_t release = 0;
};

class ProgramJournal {
 public:
  explicit ProgramJournal(uint32_t program) : program_(program) {}

  // One block's events, in order.
  void on_block(uint64_t height, uint64_t time_ns, std::span<const Event> events);

  bool found() const { return version_ != 0; }
  // {"program":..,"code":..,"status":..,"granted":..,...,"spent_by_category_region":[...]}.
  std::string report_json() const;
  // {"program":..,"code":..,"hops":[...],"terminal_recipients":[...]}.
  std::string trail_json() const;

 private:
  struct WalletFacts {
    WalletKind kind = WalletKind::individual;
    uint16_t mcc = 0;
    uint16_t region = 0;
  };
  void hop(const char* name, uint64_t from, uint64_t to, int64_t amount_minor, bool pending, uint64_t release);

  uint32_t program_;
  std::string code_;
  uint32_t version_ = 0;
  uint64_t issuer_ = 0;
  ProgramStatus status_ = ProgramStatus::active;
  ProgramStats stats_;
  std::map<uint64_t, WalletFacts> wallets_;
  std::vector<TrailStep> trail_;
  std::map<uint64_t, int64_t> terminal_;  // wallet -> unwrapped there
  uint64_t height_ = 0;
  uint64_t time_ns_ = 0;
};

}  // namespace qz::app
