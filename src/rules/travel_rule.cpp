#include "rules/travel_rule.h"

namespace qz {

Result check_travel_rule(uint32_t fields, Counterparty counterparty, int64_t value_usd_cents,
                         int64_t threshold_usd_cents) {
  if ((fields & ~kTravelKnownFields) != 0 ||
      (counterparty != Counterparty::vasp && counterparty != Counterparty::self_hosted) || value_usd_cents < 0 ||
      threshold_usd_cents < 0) {
    return Result::travel_rule_record_invalid;
  }
  const auto has = [fields](uint32_t field) { return (fields & field) != 0; };
  if (!has(kTravelOriginatorName)) return Result::travel_rule_originator_name_missing;
  if (!has(kTravelOriginatorAccount)) return Result::travel_rule_originator_account_missing;
  if (travel_rule_full_set(value_usd_cents, threshold_usd_cents) &&
      !has(kTravelOriginatorAddress | kTravelOriginatorNationalId | kTravelOriginatorCustomerId |
           kTravelOriginatorBirth)) {
    return Result::travel_rule_originator_identifier_missing;
  }
  if (!has(kTravelBeneficiaryName)) return Result::travel_rule_beneficiary_name_missing;
  if (!has(kTravelBeneficiaryAccount)) return Result::travel_rule_beneficiary_account_missing;
  if (counterparty == Counterparty::self_hosted && !has(kTravelOwnershipDeclared)) {
    return Result::travel_rule_wallet_declaration_missing;
  }
  return Result::ok;
}

}  // namespace qz
