// Client records: the personal data of a client that stays outside the deterministic core (docs/kyc.md), and
// their JSON form.
//
// A record is a person or a company. The core knows the client only by its id and the facts that decide about
// money (rules/clients.h: class, KYC tier, residence, nationality, knowledge test); client_facts() gives those
// from a record. Everything else here (names in both scripts, date of birth, document, address, registration
// number, beneficial owners) is read by screening and kept in the client store (kyc/store.h).
//
// parse_client_record accepts exactly the format of docs/kyc.md: unknown or repeated fields, wrong types, bad
// dates, unassigned country codes and overlong or malformed text are errors that name the field
// (`client record: beneficial_owners[1].share_percent: ...`). client_record_json writes the canonical form,
// which parses back to an equal record. No exception leaves this API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rules/clients.h"

namespace qz::kyc {

enum class ClientKind : uint8_t { person = 1, company = 2 };
const char* client_kind_name(ClientKind kind);  // "person", "company"

enum class DocumentType : uint8_t { passport = 1, national_id = 2, residence_permit = 3, driving_licence = 4 };
const char* document_type_name(DocumentType type);  // "passport", "national_id", ...

// Limits of the format (characters, not bytes).
inline constexpr size_t kMaxNameChars = 200;
inline constexpr size_t kMaxTextChars = 200;
inline constexpr size_t kMaxNumberChars = 64;  // document and registration numbers
inline constexpr size_t kMaxPostcodeChars = 16;
inline constexpr size_t kMaxOwners = 32;
inline constexpr size_t kMaxRecordBytes = 64 * 1024;
inline constexpr uint32_t kWholeShareHundredths = 100'00;  // 100 percent

struct LegalName {
  std::string latin;     // in Latin letters, required
  std::string original;  // in the original script; "" when the name is written in Latin letters only
  friend bool operator==(const LegalName&, const LegalName&) = default;
};

struct IdentityDocument {
  DocumentType type = DocumentType::passport;
  std::string number;
  std::string country;  // issuing country, ISO 3166-1 alpha-2
  friend bool operator==(const IdentityDocument&, const IdentityDocument&) = default;
};

struct Address {
  std::string street;
  std::string city;
  std::string postcode;  // may be ""
  std::string country;   // ISO 3166-1 alpha-2
  friend bool operator==(const Address&, const Address&) = default;
};

struct BeneficialOwner {
  LegalName name;
  std::string date_of_birth;  // YYYY-MM-DD
  std::string nationality;    // ISO 3166-1 alpha-2
  uint32_t share_hundredths = 0;  // of a percent: 25.5 % = 2550; 1 to 10000
  friend bool operator==(const BeneficialOwner&, const BeneficialOwner&) = default;
};

struct ClientRecord {
  uint64_t id = 0;  // the user id the core knows
  ClientKind kind = ClientKind::person;
  LegalName name;
  std::string date_of_birth;  // persons only: YYYY-MM-DD
  std::string nationality;    // a person's nationality; a company's country of registration
  std::string residence;      // ISO 3166-1 alpha-2
  IdentityDocument document;  // persons only
  Address address;
  std::string registration_number;      // companies only
  std::vector<BeneficialOwner> owners;  // companies only: at least one, shares summing to at most 100 %
  ClientClass classification = ClientClass::retail;
  uint8_t kyc_tier = 0;  // 0-3
  bool knowledge_test = false;
  friend bool operator==(const ClientRecord&, const ClientRecord&) = default;
};

// Parses one record (a JSON object of at most kMaxRecordBytes). On error *out is left as a default record.
[[nodiscard]] Status parse_client_record(std::string_view json, ClientRecord* out);

// The canonical JSON of a valid record: one line, fixed key order, shares as "25.50".
std::string client_record_json(const ClientRecord& record);

// The facts the core keeps (register_client, update_client).
ClientFacts client_facts(const ClientRecord& record);

// True when any name screening reads differs: the client's names in either script, or the set of beneficial
// owners with their names, dates of birth and nationalities (docs/kyc.md: a name change rescreens).
bool screened_names_differ(const ClientRecord& before, const ClientRecord& after);

// ISO 3166-1 alpha-2 codes officially assigned (249), and XK (Kosovo, user-assigned, used in travel documents).
bool country_code_assigned(std::string_view code);
// "YYYY-MM-DD", a real calendar date in the years 1900-2099.
bool calendar_date_valid(std::string_view text);
// Well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool utf8_valid(std::string_view text);

}  // namespace qz::kyc
