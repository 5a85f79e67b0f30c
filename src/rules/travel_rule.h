// The travel rule's gate (FATF Recommendation 16 as the AIFC applies it; docs/travel-rule.md): which originator
// and beneficiary data a crypto deposit or withdrawal must carry, decided from presence bits and the transfer's
// value in US cents.
//
// The data itself (an IVMS101 record: names, accounts, addresses, identifiers) is personal data and stays
// outside the core; the gateway parses it (src/app/ivms101.h), stores it with the journal and passes the core a
// bit per field present. The core decides deterministically what is missing. At or above the threshold (USD
// 1,000 by default) the full set: originator name, account, and one of address, national identifier, customer
// identifier, or date and place of birth; beneficiary name and account. Below it the reduced set: both names
// and both accounts. A self-hosted wallet (no VASP on the other side) needs the client's ownership
// declaration, whatever the amount.
#pragma once

#include <cstdint>

#include "base/result.h"

namespace qz {

// Presence bits of a travel-rule record. Stable numbers: they are journaled.
enum TravelRuleField : uint32_t {
  kTravelOriginatorName = 1u << 0,
  kTravelOriginatorAccount = 1u << 1,      // account number or wallet address
  kTravelOriginatorAddress = 1u << 2,      // geographic address
  kTravelOriginatorNationalId = 1u << 3,   // national identification (passport, ID card, registration)
  kTravelOriginatorCustomerId = 1u << 4,   // the originating VASP's customer identification
  kTravelOriginatorBirth = 1u << 5,        // date AND place of birth
  kTravelBeneficiaryName = 1u << 6,
  kTravelBeneficiaryAccount = 1u << 7,
  kTravelOwnershipDeclared = 1u << 8,      // the client declared it controls the self-hosted wallet
};
inline constexpr uint32_t kTravelKnownFields = (1u << 9) - 1;

enum class Counterparty : uint8_t { vasp = 1, self_hosted = 2 };

inline constexpr int64_t kTravelRuleThresholdUsdCents = 1'000'00;

// ok, or the first missing item in this order: travel_rule_record_invalid (unknown bits or counterparty, or a
// negative value or threshold), travel_rule_originator_name_missing, travel_rule_originator_account_missing,
// travel_rule_originator_identifier_missing (at or above the threshold), travel_rule_beneficiary_name_missing,
// travel_rule_beneficiary_account_missing, travel_rule_wallet_declaration_missing (self-hosted).
[[nodiscard]] Result check_travel_rule(uint32_t fields, Counterparty counterparty, int64_t value_usd_cents,
                                       int64_t threshold_usd_cents = kTravelRuleThresholdUsdCents);

// True when the value needs the full set (at or above the threshold).
inline bool travel_rule_full_set(int64_t value_usd_cents, int64_t threshold_usd_cents = kTravelRuleThresholdUsdCents) {
  return value_usd_cents >= threshold_usd_cents;
}

}  // namespace qz
