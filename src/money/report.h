// Reports over the digital tenge book (docs/money.md, "Reports"): a refusal in words, a program's money by
// state, and the trail of one program's money hop by hop from its issuer to its terminal recipients.
//
// The trail is built from executed plans (what the engine will journal as events), not kept in the book: the
// book holds only current state, so history stays in the journal and its projections. Deterministic text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "money/money.h"

namespace qz {

// "program SUBSIDY-FOOD-2027: merchant category 5813 not allowed"; for codes without a program, the wallet and
// the code's message ("wallet 7: the daily payment limit of the wallet's class would be passed (limit 1000.00)").
std::string describe_refusal(const MoneyBook& book, const Refusal& refusal);

// Minor units of the digital tenge (scale 2) as text: 12345 -> "123.45", -5 -> "-0.05".
std::string format_tenge(int64_t amount_minor);

// A program's money by state, one "name value" line each, then "spent <mcc> <region> <amount>" lines in
// (MCC, region) order.
std::string program_report(const MoneyBook& book, uint32_t program_id);

enum class HopKind : uint8_t {
  granted = 1,    // issuer -> holder's lot (or pending)
  released = 2,   // pending -> holder's lot
  passed = 3,     // holder -> holder, label kept
  unwrapped = 4,  // holder -> terminal recipient: ordinary money from here on
  returned = 5,   // holder (or pending) -> issuer
  released_at_expiry = 6,  // holder's lot -> the holder's ordinary balance
};
const char* hop_kind_name(HopKind kind);

struct TrailHop {
  uint64_t sequence = 0;  // the plan's position in the stream given
  HopKind kind = HopKind::granted;
  uint64_t from = 0;  // wallet ids; 0 = none (a pending release)
  uint64_t to = 0;
  int64_t amount_minor = 0;
};

// The hops of `program_id`'s money in `plans` (executed on `book`, in order). Pending money returned to the
// issuer is a hop from its holder.
std::vector<TrailHop> program_trail(const MoneyBook& book, std::span<const Plan> plans, uint32_t program_id);

}  // namespace qz
