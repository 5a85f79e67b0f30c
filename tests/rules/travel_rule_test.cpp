// The travel rule's gate: one line per code at the threshold's edge, for both counterparty kinds.
#include "rules/travel_rule.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace qz {
namespace {

constexpr uint32_t kReduced =
    kTravelOriginatorName | kTravelOriginatorAccount | kTravelBeneficiaryName | kTravelBeneficiaryAccount;

TEST(TravelRule, RuleTable) {
  struct Row {
    const char* name;
    uint32_t fields;
    Counterparty counterparty;
    int64_t usd_cents;
    Result expected;
  };
  const Row rows[] = {
      {"below the threshold: the reduced set suffices", kReduced, Counterparty::vasp, 999'99, Result::ok},
      {"at the threshold: an identifier is required", kReduced, Counterparty::vasp, 1'000'00,
       Result::travel_rule_originator_identifier_missing},
      {"at the threshold with an address", kReduced | kTravelOriginatorAddress, Counterparty::vasp, 1'000'00,
       Result::ok},
      {"with a national id", kReduced | kTravelOriginatorNationalId, Counterparty::vasp, 50'000'00, Result::ok},
      {"with a customer id", kReduced | kTravelOriginatorCustomerId, Counterparty::vasp, 50'000'00, Result::ok},
      {"with date and place of birth", kReduced | kTravelOriginatorBirth, Counterparty::vasp, 50'000'00, Result::ok},
      {"no originator name", kReduced & ~kTravelOriginatorName, Counterparty::vasp, 1,
       Result::travel_rule_originator_name_missing},
      {"no originator account", kReduced & ~kTravelOriginatorAccount, Counterparty::vasp, 1,
       Result::travel_rule_originator_account_missing},
      {"no beneficiary name", kReduced & ~kTravelBeneficiaryName, Counterparty::vasp, 1,
       Result::travel_rule_beneficiary_name_missing},
      {"no beneficiary account", kReduced & ~kTravelBeneficiaryAccount, Counterparty::vasp, 1,
       Result::travel_rule_beneficiary_account_missing},
      {"self-hosted without a declaration", kReduced, Counterparty::self_hosted, 1,
       Result::travel_rule_wallet_declaration_missing},
      {"self-hosted with one", kReduced | kTravelOwnershipDeclared, Counterparty::self_hosted, 1, Result::ok},
      {"self-hosted, large: identifier first", kReduced | kTravelOwnershipDeclared, Counterparty::self_hosted,
       1'000'00, Result::travel_rule_originator_identifier_missing},
      {"an unknown bit", kReduced | (1u << 9), Counterparty::vasp, 1, Result::travel_rule_record_invalid},
      {"an unknown counterparty", kReduced, static_cast<Counterparty>(3), 1, Result::travel_rule_record_invalid},
      {"a negative value", kReduced, Counterparty::vasp, -1, Result::travel_rule_record_invalid},
      {"nothing at all", 0, Counterparty::vasp, 0, Result::travel_rule_originator_name_missing},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(check_travel_rule(row.fields, row.counterparty, row.usd_cents), row.expected) << row.name;
  }
  // Another threshold (an operator's stricter policy).
  EXPECT_EQ(check_travel_rule(kReduced, Counterparty::vasp, 1, 0), Result::travel_rule_originator_identifier_missing);
  EXPECT_EQ(check_travel_rule(kReduced, Counterparty::vasp, 1, -1), Result::travel_rule_record_invalid);
}

}  // namespace
}  // namespace qz
