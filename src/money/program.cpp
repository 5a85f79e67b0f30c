#include "money/program.h"

#include <algorithm>

#include "base/assert.h"

namespace qz {

namespace {

template <typename T>
void sort_unique(std::vector<T>* values) {
  std::sort(values->begin(), values->end());
  values->erase(std::unique(values->begin(), values->end()), values->end());
}

template <typename T>
bool contains(const std::vector<T>& sorted, T value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

constexpr uint8_t kKnownKindBits = static_cast<uint8_t>(((1u << (kMaxWalletKind + 1)) - 1) & ~1u);

}  // namespace

const char* wallet_kind_name(WalletKind kind) {
  switch (kind) {
    case WalletKind::individual: return "individual";
    case WalletKind::merchant: return "merchant";
    case WalletKind::agency: return "agency";
    case WalletKind::contractor: return "contractor";
    case WalletKind::bank: return "bank";
    case WalletKind::central_bank: return "central_bank";
  }
  return "unknown";
}

const char* program_status_name(ProgramStatus status) {
  switch (status) {
    case ProgramStatus::active: return "active";
    case ProgramStatus::paused: return "paused";
    case ProgramStatus::revoked: return "revoked";
    case ProgramStatus::expired: return "expired";
  }
  return "unknown";
}

bool program_code_valid(std::string_view code) {
  if (code.empty() || code.size() > kProgramCodeMax) return false;
  for (const char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Result normalize_program_spec(ProgramSpec* spec) {
  QZ_ASSERT(spec != nullptr);
  const ProgramSpec& s = *spec;
  if (!program_code_valid(s.code)) return Result::money_program_invalid;
  if (s.issuer_wallet == 0 || s.escrow_account == 0) return Result::money_program_invalid;
  if (s.expires_at_ns != 0 && s.expires_at_ns <= s.valid_from_ns) return Result::money_program_invalid;
  if (s.expiry_action != ExpiryAction::return_to_issuer && s.expiry_action != ExpiryAction::release_to_holder) {
    return Result::money_program_invalid;
  }
  if (s.per_payment_limit_minor < 0 || s.period_limit_minor < 0) return Result::money_program_invalid;
  if ((s.period_limit_minor != 0) != (s.period_ns != 0)) return Result::money_program_invalid;
  if (s.category_share_cap_bps > 10'000) return Result::money_program_invalid;
  if (s.allow.size() > kProgramListMax || s.deny.size() > kProgramListMax ||
      s.categories.size() > kProgramCategoriesMax || s.regions.size() > kProgramRegionsMax ||
      s.eligible_classes.size() > kProgramClassesMax) {
    return Result::money_program_invalid;
  }
  for (const uint16_t mcc : s.categories) {
    if (mcc == 0 || mcc > kMccMax) return Result::money_program_invalid;
  }
  for (const uint64_t wallet : s.allow) {
    if (wallet == 0) return Result::money_program_invalid;
  }
  for (const uint64_t wallet : s.deny) {
    if (wallet == 0) return Result::money_program_invalid;
  }
  if ((s.terminal_kinds & ~kKnownKindBits) != 0 ||
      (s.terminal_kinds & wallet_kind_bit(WalletKind::central_bank)) != 0) {
    return Result::money_program_invalid;
  }
  switch (s.release_rule) {
    case ReleaseRule::immediate:
      if (s.release_delay_ns != 0) return Result::money_program_invalid;
      break;
    case ReleaseRule::milestone:
      if (s.attester == 0 || s.release_delay_ns != 0) return Result::money_program_invalid;
      break;
    case ReleaseRule::delayed:
      if (s.release_delay_ns == 0) return Result::money_program_invalid;
      break;
    default: return Result::money_program_invalid;
  }
  sort_unique(&spec->allow);
  sort_unique(&spec->deny);
  sort_unique(&spec->categories);
  sort_unique(&spec->regions);
  sort_unique(&spec->eligible_classes);
  QZ_ASSERT(std::is_sorted(spec->allow.begin(), spec->allow.end()));
  QZ_ASSERT(std::is_sorted(spec->categories.begin(), spec->categories.end()));
  return Result::ok;
}

bool program_class_eligible(const ProgramSpec& spec, uint32_t wallet_class) {
  return spec.eligible_classes.empty() || contains(spec.eligible_classes, wallet_class);
}

Result check_recipient(const ProgramSpec& spec, ProgramStatus status, uint64_t now_ns, const Recipient& to,
                       int64_t* value) {
  QZ_ASSERT(value != nullptr);
  *value = 0;
  if (status == ProgramStatus::revoked) return Result::program_revoked;
  if (status == ProgramStatus::expired || (spec.expires_at_ns != 0 && now_ns >= spec.expires_at_ns)) {
    return Result::program_expired;
  }
  if (status == ProgramStatus::paused) return Result::program_paused;
  if (now_ns < spec.valid_from_ns) return Result::program_not_yet_valid;
  if (wallet_kind_has_category(to.kind)) {
    *value = static_cast<int64_t>(to.wallet);
    if (contains(spec.deny, to.wallet)) return Result::program_merchant_denied;
    if (!spec.allow.empty() && !contains(spec.allow, to.wallet)) return Result::program_merchant_not_listed;
    *value = to.mcc;
    if (!spec.categories.empty() && !contains(spec.categories, to.mcc)) return Result::program_category_not_allowed;
    *value = to.region;
    if (!spec.regions.empty() && !contains(spec.regions, to.region)) return Result::program_region_not_allowed;
  } else if (to.kind == WalletKind::individual) {
    if (!spec.p2p_allowed) return Result::program_p2p_not_allowed;
  } else if (to.kind == WalletKind::bank) {
    if (!spec.cash_out_allowed) return Result::program_cash_out_not_allowed;
  } else {
    *value = static_cast<int64_t>(to.wallet);
    return Result::program_recipient_not_eligible;  // the central bank: lot money returns only by expiry
  }
  if (!program_terminal(spec, to.kind) && !program_class_eligible(spec, to.wallet_class)) {
    *value = to.wallet_class;
    return Result::program_recipient_not_eligible;
  }
  *value = 0;
  return Result::ok;
}

}  // namespace qz
