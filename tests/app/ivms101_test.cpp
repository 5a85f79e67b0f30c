// IVMS101 records: a full natural-person record and a legal-person one give the expected names and presence
// bits; the reduced set; key order and ignored members do not change the digest, content does; malformed input
// is refused with the path of what is wrong.
#include "app/ivms101.h"

#include <gtest/gtest.h>

#include <string>

#include "rules/travel_rule.h"

namespace qz::app {
namespace {

const char* kFull = R"({
  "originator": {
    "originatorPersons": [{"naturalPerson": {
      "name": {"nameIdentifier": [{"primaryIdentifier": "Dosmukhamedov", "secondaryIdentifier": "Bauyrzhan",
                                   "nameIdentifierType": "LEGL"}],
               "localNameIdentifier": [{"primaryIdentifier": "Досмұхамедов", "secondaryIdentifier": "Бауыржан",
                                        "nameIdentifierType": "LEGL"}]},
      "geographicAddress": [{"addressType": "HOME", "streetName": "Dostyk", "buildingNumber": "5",
                             "townName": "Astana", "country": "KZ"}],
      "nationalIdentification": {"nationalIdentifier": "900101300123", "nationalIdentifierType": "NIDN"},
      "customerIdentification": "1002",
      "dateAndPlaceOfBirth": {"dateOfBirth": "1990-01-01", "placeOfBirth": "Almaty"},
      "countryOfResidence": "KZ"}}],
    "accountNumber": ["bc1qexampleoriginator"]
  },
  "beneficiary": {
    "beneficiaryPersons": [{"legalPerson": {"name": {"nameIdentifier": [{"legalPersonName": "Steppe Trade LLP",
                                                                          "legalPersonNameIdentifierType": "LEGL"}]},
                                            "countryOfRegistration": "KZ"}}],
    "accountNumber": ["bc1qexamplebeneficiary"]
  },
  "originatingVASP": {"originatingVASP": {"legalPerson": {"name": {"nameIdentifier": [
      {"legalPersonName": "Qazna Exchange", "legalPersonNameIdentifierType": "LEGL"}]}}}}
})";

TEST(Ivms101, FullRecord) {
  Ivms101Record record;
  const Status status = parse_ivms101(kFull, &record);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(record.originators.size(), 1u);
  EXPECT_EQ(record.originators[0].name, "Dosmukhamedov, Bauyrzhan");
  EXPECT_EQ(record.originators[0].local_name, "Досмұхамедов, Бауыржан");
  EXPECT_EQ(record.originators[0].country, "KZ");
  ASSERT_EQ(record.beneficiaries.size(), 1u);
  EXPECT_TRUE(record.beneficiaries[0].legal);
  EXPECT_EQ(record.beneficiaries[0].name, "Steppe Trade LLP");
  EXPECT_EQ(record.originating_vasp, "Qazna Exchange");
  const uint32_t fields = travel_rule_fields(record);
  EXPECT_EQ(fields, kTravelOriginatorName | kTravelOriginatorAccount | kTravelOriginatorAddress |
                        kTravelOriginatorNationalId | kTravelOriginatorCustomerId | kTravelOriginatorBirth |
                        kTravelBeneficiaryName | kTravelBeneficiaryAccount);
  EXPECT_EQ(check_travel_rule(fields, Counterparty::vasp, 5'000'00), Result::ok);
  EXPECT_EQ(check_travel_rule(fields, Counterparty::self_hosted, 5'000'00),
            Result::travel_rule_wallet_declaration_missing);
}

TEST(Ivms101, ReducedSetAndPascalCase) {
  const char* reduced = R"({"Originator": {"originatorPersons": [{"naturalPerson": {"name": {"nameIdentifier":
      [{"primaryIdentifier": "Seitkali"}]}}}], "accountNumber": ["KZ123"]},
    "Beneficiary": {"beneficiaryPersons": [{"naturalPerson": {"name": {"nameIdentifier":
      [{"primaryIdentifier": "Nurlanovna", "secondaryIdentifier": "Dana"}]}}}], "accountNumber": ["0xabc"]}})";
  Ivms101Record record;
  ASSERT_TRUE(parse_ivms101(reduced, &record).is_ok());
  const uint32_t fields = travel_rule_fields(record);
  EXPECT_EQ(check_travel_rule(fields, Counterparty::vasp, 999'99), Result::ok);
  EXPECT_EQ(check_travel_rule(fields, Counterparty::vasp, 1'000'00), Result::travel_rule_originator_identifier_missing);
  EXPECT_EQ(record.originators[0].name, "Seitkali");
}

TEST(Ivms101, DigestIsCanonical) {
  Ivms101Record a;
  ASSERT_TRUE(parse_ivms101(kFull, &a).is_ok());
  // The same content, keys in another order, with members we ignore.
  const char* reordered = R"({"beneficiary": {"accountNumber": ["bc1qexamplebeneficiary"], "beneficiaryPersons":
      [{"legalPerson": {"countryOfRegistration": "KZ", "name": {"nameIdentifier": [{"legalPersonNameIdentifierType":
      "LEGL", "legalPersonName": "Steppe Trade LLP"}]}}}]},
    "transferMemo": "ignored",
    "originatingVASP": {"originatingVASP": {"legalPerson": {"name": {"nameIdentifier": [
      {"legalPersonName": "Qazna Exchange"}]}}}},
    "originator": {"accountNumber": ["bc1qexampleoriginator"], "originatorPersons": [{"naturalPerson": {
      "countryOfResidence": "KZ", "customerIdentification": "1002",
      "dateAndPlaceOfBirth": {"placeOfBirth": "Almaty", "dateOfBirth": "1990-01-01"},
      "nationalIdentification": {"nationalIdentifierType": "NIDN", "nationalIdentifier": "900101300123"},
      "geographicAddress": [{"country": "KZ", "townName": "Astana"}],
      "name": {"localNameIdentifier": [{"secondaryIdentifier": "Бауыржан", "primaryIdentifier": "Досмұхамедов"}],
               "nameIdentifier": [{"secondaryIdentifier": "Bauyrzhan", "primaryIdentifier": "Dosmukhamedov"}]}}}]}})";
  Ivms101Record b;
  const Status status = parse_ivms101(reordered, &b);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(ivms101_digest(a), ivms101_digest(b));
  b.beneficiary_accounts[0] = "bc1qsomeoneelse";
  EXPECT_NE(ivms101_digest(a), ivms101_digest(b));
}

TEST(Ivms101, MalformedInputIsRefusedWithItsPath) {
  struct Row {
    const char* json;
    const char* says;
  };
  const Row rows[] = {
      {"{", "not valid JSON"},
      {"[]", "the record: must be an object"},
      {R"({"beneficiary": {}})", "originator: is required"},
      {R"({"originator": [], "beneficiary": {}})", "originator: must be an object"},
      {R"({"originator": {"originatorPersons": [{}]}, "beneficiary": {}})",
       "originator.originatorPersons[0]: needs naturalPerson or legalPerson"},
      {R"({"originator": {"originatorPersons": [{"naturalPerson": {}}]}, "beneficiary": {}})",
       "originator.originatorPersons[0].naturalPerson: name is required"},
      {R"({"originator": {"originatorPersons": [{"naturalPerson": {"name": {"nameIdentifier": [{"primaryIdentifier": ""}]}}}]}, "beneficiary": {}})",
       "primaryIdentifier: must not be empty"},
      {R"({"originator": {"originatorPersons": [{"naturalPerson": {"name": {"nameIdentifier": [{"primaryIdentifier": 7}]}}}]}, "beneficiary": {}})",
       "primaryIdentifier: must be a string"},
      {R"({"originator": {"accountNumber": "bc1q"}, "beneficiary": {}})", "originator.accountNumber: must be an array"},
      {R"({"originator": {}, "beneficiary": {"accountNumber": [""]}})", "beneficiary.accountNumber[0]: must not be empty"},
  };
  for (const Row& row : rows) {
    Ivms101Record record;
    const Status status = parse_ivms101(row.json, &record);
    ASSERT_FALSE(status.is_ok()) << row.json;
    EXPECT_NE(status.message().find(row.says), std::string::npos) << status.message();
    EXPECT_TRUE(record.originators.empty() && record.beneficiaries.empty());  // nothing half-read
  }
  // A name of 101 characters (Cyrillic: counted in characters, not bytes).
  std::string long_name;
  for (int i = 0; i < 101; i++) long_name += "Ж";
  const std::string json = R"({"originator": {"originatorPersons": [{"naturalPerson": {"name": {"nameIdentifier": [{"primaryIdentifier": ")" +
                           long_name + R"("}]}}}]}, "beneficiary": {}})";
  Ivms101Record record;
  const Status status = parse_ivms101(json, &record);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("longer than 100 characters"), std::string::npos);
  long_name.resize(long_name.size() - 2);  // 100 characters: accepted
  const std::string ok = R"({"originator": {"originatorPersons": [{"naturalPerson": {"name": {"nameIdentifier": [{"primaryIdentifier": ")" +
                         long_name + R"("}]}}}]}, "beneficiary": {}})";
  EXPECT_TRUE(parse_ivms101(ok, &record).is_ok());
}

}  // namespace
}  // namespace qz::app
