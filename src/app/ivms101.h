// IVMS101 travel-rule records (the interVASP Messaging Standard's JSON form) at the gateway: parsed into what
// the venue checks and keeps, reduced to the presence bits the core's gate reads (rules/travel_rule.h), and
// digested canonically so that the journal can hold the record's hash beside the command that used it.
//
// Accepted: an object with the entities `originator`, `beneficiary` and optionally `originatingVASP`,
// `beneficiaryVASP` (the first letter in either case). Persons are `naturalPerson` or `legalPerson`. Read per
// natural person: name (`nameIdentifier`, `localNameIdentifier`: primary and secondary identifiers),
// `geographicAddress`, `nationalIdentification.nationalIdentifier`, `customerIdentification`,
// `dateAndPlaceOfBirth` (both parts), `countryOfResidence`; per legal person: `name.nameIdentifier[].legalPersonName`,
// `geographicAddress`, `nationalIdentification`, `customerNumber`, `countryOfRegistration`. Other members are
// allowed and ignored. Wrong types, empty or overlong strings (names above 100 characters) and malformed JSON
// are errors that say where.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"

namespace qz::app {

struct Ivms101Person {
  bool legal = false;
  std::string name;        // Latin: "primary, secondary" for a natural person; the legal name
  std::string local_name;  // in the original script, when given
  std::string country;     // residence (natural) or registration (legal), when given
  bool has_address = false;
  bool has_national_id = false;
  bool has_customer_id = false;
  bool has_birth = false;  // date and place of birth, both
};

struct Ivms101Record {
  std::vector<Ivms101Person> originators;
  std::vector<std::string> originator_accounts;
  std::vector<Ivms101Person> beneficiaries;
  std::vector<std::string> beneficiary_accounts;
  std::string originating_vasp;  // the VASP's legal name, when given
  std::string beneficiary_vasp;
};

// Error messages name the path: `originator.originatorPersons[0].naturalPerson.name: ...`.
[[nodiscard]] Status parse_ivms101(std::string_view json, Ivms101Record* out);

// The presence bits of rules/travel_rule.h (without the ownership declaration, which is not IVMS101's).
uint32_t travel_rule_fields(const Ivms101Record& record);

// SHA-256 of a canonical encoding of the record (what was read, in order, each string length-prefixed): the
// same record written with other key orders or ignored members has the same digest.
Hash256 ivms101_digest(const Ivms101Record& record);

// The digest's first 8 bytes, little-endian: what the deposit's transfer or the withdrawal's hold journals as its
// reference, so that the journal commits to the record kept beside it.
uint64_t ivms101_reference(const Hash256& digest);

}  // namespace qz::app
