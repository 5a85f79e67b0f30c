#include "money/report.h"

#include "base/assert.h"

namespace qz {

namespace {

std::string condition_text(Result code, int64_t value) {
  switch (code) {
    case Result::program_paused: return "paused";
    case Result::program_revoked: return "revoked";
    case Result::program_not_yet_valid: return "not spendable before its valid-from time";
    case Result::program_expired: return "expired";
    case Result::program_class_not_eligible: return "wallet class " + std::to_string(value) + " not eligible";
    case Result::program_merchant_denied: return "merchant " + std::to_string(value) + " is on the deny list";
    case Result::program_merchant_not_listed: return "merchant " + std::to_string(value) + " is not on the allow list";
    case Result::program_category_not_allowed: return "merchant category " + std::to_string(value) + " not allowed";
    case Result::program_region_not_allowed: return "region " + std::to_string(value) + " not allowed";
    case Result::program_p2p_not_allowed: return "payments to individuals not allowed";
    case Result::program_cash_out_not_allowed: return "cash-out to a bank not allowed";
    case Result::program_recipient_not_eligible: return "wallet " + std::to_string(value) + " may not hold its money";
    case Result::program_payment_limit: return "per-payment limit " + format_tenge(value) + " reached";
    case Result::program_period_limit: return "per-period limit " + format_tenge(value) + " reached";
    case Result::program_category_share_cap: return "share cap of merchant category " + std::to_string(value) + " reached";
    default: return result_message(code);
  }
}

bool with_limit(Result code) {
  return code == Result::money_payment_limit || code == Result::money_daily_limit ||
         code == Result::money_annual_limit || code == Result::money_balance_cap;
}

}  // namespace

std::string format_tenge(int64_t amount_minor) {
  const bool negative = amount_minor < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(amount_minor) : static_cast<uint64_t>(amount_minor);
  const uint64_t cents = magnitude % 100;
  std::string text;
  if (negative) text.push_back('-');
  text.append(std::to_string(magnitude / 100));
  text.push_back('.');
  text.push_back(static_cast<char>('0' + cents / 10));
  text.push_back(static_cast<char>('0' + cents % 10));
  return text;
}

std::string describe_refusal(const MoneyBook& book, const Refusal& refusal) {
  if (refusal.code == Result::ok) return "ok";
  if (refusal.program != 0) {
    const Program* p = book.program(refusal.program);
    std::string text = "program ";  // built by appending: g++ 12 warns falsely (-Wrestrict) on "literal" + string
    text.append(p == nullptr ? std::to_string(refusal.program) : p->spec.code);
    text.append(": ");
    text.append(condition_text(refusal.code, refusal.value));
    return text;
  }
  std::string text = result_message(refusal.code);
  if (refusal.wallet != 0) text = "wallet " + std::to_string(refusal.wallet) + ": " + text;
  if (with_limit(refusal.code)) text += " (limit " + format_tenge(refusal.value) + ")";
  if (refusal.code == Result::money_insufficient_funds) text += " (covered " + format_tenge(refusal.value) + ")";
  return text;
}

std::string program_report(const MoneyBook& book, uint32_t program_id) {
  const Program* p = book.program(program_id);
  QZ_ASSERT(p != nullptr);
  const ProgramStats& t = p->stats;
  std::string text = "program " + p->spec.code + " v" + std::to_string(p->version) + " " +
                     program_status_name(p->status) + "\n";
  const std::pair<const char*, int64_t> lines[] = {
      {"granted", t.granted_minor},     {"pending", t.pending_minor},
      {"released", t.released_minor},   {"outstanding", t.outstanding_minor},
      {"spent", t.spent_minor},         {"cashed_out", t.cashed_out_minor},
      {"moved", t.moved_minor},         {"returned", t.returned_minor},
      {"released_at_expiry", t.released_at_expiry_minor},
  };
  for (const auto& [name, value] : lines) text += std::string(name) + " " + format_tenge(value) + "\n";
  for (const auto& [key, spent] : t.spent_by_category_region) {
    text += "spent " + std::to_string(key.first) + " " + std::to_string(key.second) + " " + format_tenge(spent) + "\n";
  }
  return text;
}

const char* hop_kind_name(HopKind kind) {
  switch (kind) {
    case HopKind::granted: return "granted";
    case HopKind::released: return "released";
    case HopKind::passed: return "passed";
    case HopKind::unwrapped: return "unwrapped";
    case HopKind::returned: return "returned";
    case HopKind::released_at_expiry: return "released_at_expiry";
  }
  return "unknown";
}

std::vector<TrailHop> program_trail(const MoneyBook& book, std::span<const Plan> plans, uint32_t program_id) {
  const Program* p = book.program(program_id);
  QZ_ASSERT(p != nullptr);
  const uint64_t issuer = p->spec.issuer_wallet;
  std::vector<TrailHop> hops;
  for (size_t i = 0; i < plans.size(); i++) {
    const Plan& plan = plans[i];
    if (plan.kind == PlanKind::grant && plan.program == program_id) {
      hops.push_back(TrailHop{.sequence = i, .kind = HopKind::granted, .from = plan.payer, .to = plan.payee,
                              .amount_minor = plan.amount_minor});
      continue;
    }
    for (const LotChange& change : plan.lot_changes) {
      if (change.program != program_id) continue;
      const int64_t amount = change.delta_minor < 0 ? -change.delta_minor : change.delta_minor;
      switch (change.kind) {
        case LotChangeKind::released:
          hops.push_back({.sequence = i, .kind = HopKind::released, .from = 0, .to = change.holder, .amount_minor = amount});
          break;
        case LotChangeKind::sent:
          hops.push_back({.sequence = i, .kind = HopKind::passed, .from = change.holder, .to = change.counterparty,
                          .amount_minor = amount});
          break;
        case LotChangeKind::spent:
          hops.push_back({.sequence = i, .kind = HopKind::unwrapped, .from = change.holder,
                          .to = change.counterparty, .amount_minor = amount});
          break;
        case LotChangeKind::returned:
          hops.push_back({.sequence = i, .kind = HopKind::returned, .from = change.holder, .to = issuer,
                          .amount_minor = amount});
          break;
        case LotChangeKind::released_at_expiry:
          hops.push_back({.sequence = i, .kind = HopKind::released_at_expiry, .from = change.holder,
                          .to = change.holder, .amount_minor = amount});
          break;
        case LotChangeKind::granted:
        case LotChangeKind::received: break;  // the grant's hop; the other side of a passed hop
      }
    }
    if (plan.program != program_id) continue;
    for (const ClosedRelease& closed : plan.closed) {
      if (!closed.returned) continue;
      hops.push_back({.sequence = i, .kind = HopKind::returned, .from = closed.holder, .to = issuer,
                      .amount_minor = closed.amount_minor});
    }
  }
  return hops;
}

}  // namespace qz
