#include "app/ivms101.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

#include "rules/travel_rule.h"

namespace qz::app {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kMaxName = 100;    // IVMS101: names up to 100 characters
constexpr size_t kMaxText = 512;    // any other text we read
constexpr size_t kMaxJson = 1 << 20;
constexpr size_t kMaxEntries = 64;  // persons, names, addresses or accounts in one list

// Characters, not bytes: UTF-8 continuation bytes do not count.
size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

class Reader {
 public:
  Status fail(const std::string& path, const std::string& what) const {
    return Status::error("ivms101: " + path + ": " + what);
  }

  // The member `name` of `parent`, trying the name as written and with its first letter upper-cased.
  static bool member(const object& parent, std::string_view name, element* out) {
    if (parent[name].get(*out) == simdjson::SUCCESS) return true;
    std::string upper(name);
    upper[0] = static_cast<char>(upper[0] - 'a' + 'A');
    return parent[upper].get(*out) == simdjson::SUCCESS;
  }

  Status as_object(const element& value, const std::string& path, object* out) const {
    if (value.get_object().get(*out) != simdjson::SUCCESS) return fail(path, "must be an object");
    return Status::ok();
  }
  Status as_array(const element& value, const std::string& path, array* out) const {
    if (value.get_array().get(*out) != simdjson::SUCCESS) return fail(path, "must be an array");
    return Status::ok();
  }
  // Each list is bounded, so a record costs bounded work.
  Status bounded(const array& list, const std::string& path) const {
    if (list.size() > kMaxEntries) return fail(path, "more than " + std::to_string(kMaxEntries) + " entries");
    return Status::ok();
  }
  Status as_text(const element& value, const std::string& path, size_t max, std::string* out) const {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return fail(path, "must be a string");
    if (text.empty()) return fail(path, "must not be empty");
    if (utf8_length(text) > max) return fail(path, "longer than " + std::to_string(max) + " characters");
    *out = std::string(text);
    return Status::ok();
  }
  // An optional string member: absent is fine, present must be a valid string.
  Status optional_text(const object& parent, std::string_view name, const std::string& path, size_t max,
                       std::string* out) const {
    element value;
    if (!member(parent, name, &value)) return Status::ok();
    return as_text(value, path + "." + std::string(name), max, out);
  }

  // nameIdentifier / localNameIdentifier of a natural person: "primary, secondary" of the first entry (a legal
  // name, LEGL, when there is one).
  Status natural_name(const element& list, const std::string& path, std::string* out) const {
    array entries;
    QZ_TRY(as_array(list, path, &entries));
    QZ_TRY(bounded(entries, path));
    size_t index = 0;
    std::string chosen;
    for (element entry : entries) {
      const std::string at = path + "[" + std::to_string(index++) + "]";
      object fields;
      QZ_TRY(as_object(entry, at, &fields));
      std::string primary;
      std::string secondary;
      std::string type;
      element value;
      if (!member(fields, "primaryIdentifier", &value)) return fail(at, "primaryIdentifier is required");
      QZ_TRY(as_text(value, at + ".primaryIdentifier", kMaxName, &primary));
      QZ_TRY(optional_text(fields, "secondaryIdentifier", at, kMaxName, &secondary));
      QZ_TRY(optional_text(fields, "nameIdentifierType", at, 4, &type));
      const std::string name = secondary.empty() ? primary : primary + ", " + secondary;
      if (chosen.empty() || type == "LEGL") chosen = name;
      if (type == "LEGL") break;
    }
    *out = chosen;
    return Status::ok();
  }

  Status legal_name(const element& list, const std::string& path, std::string* out) const {
    array entries;
    QZ_TRY(as_array(list, path, &entries));
    QZ_TRY(bounded(entries, path));
    size_t index = 0;
    for (element entry : entries) {
      const std::string at = path + "[" + std::to_string(index++) + "]";
      object fields;
      QZ_TRY(as_object(entry, at, &fields));
      element value;
      if (!member(fields, "legalPersonName", &value)) return fail(at, "legalPersonName is required");
      std::string name;
      QZ_TRY(as_text(value, at + ".legalPersonName", kMaxName, &name));
      if (out->empty()) *out = name;
    }
    return Status::ok();
  }

  // geographicAddress: an array of address objects; present when one has any non-empty text.
  Status address(const object& person, const std::string& path, bool* present) const {
    element value;
    if (!member(person, "geographicAddress", &value)) return Status::ok();
    array addresses;
    QZ_TRY(as_array(value, path + ".geographicAddress", &addresses));
    QZ_TRY(bounded(addresses, path + ".geographicAddress"));
    for (element entry : addresses) {
      object fields;
      QZ_TRY(as_object(entry, path + ".geographicAddress[]", &fields));
      for (const auto field : fields) {
        std::string_view text;
        if (field.value.get_string().get(text) == simdjson::SUCCESS && !text.empty() && field.key != "addressType") {
          *present = true;
        }
        array lines;
        if (field.value.get_array().get(lines) == simdjson::SUCCESS && lines.size() > 0) *present = true;
      }
    }
    return Status::ok();
  }

  Status person(const element& entry, const std::string& path, Ivms101Person* out) const {
    object wrapper;
    QZ_TRY(as_object(entry, path, &wrapper));
    element body;
    std::string at;
    if (member(wrapper, "naturalPerson", &body)) {
      at = path + ".naturalPerson";
    } else if (member(wrapper, "legalPerson", &body)) {
      at = path + ".legalPerson";
      out->legal = true;
    } else {
      return fail(path, "needs naturalPerson or legalPerson");
    }
    object fields;
    QZ_TRY(as_object(body, at, &fields));
    element name;
    if (!member(fields, "name", &name)) return fail(at, "name is required");
    object name_fields;
    QZ_TRY(as_object(name, at + ".name", &name_fields));
    element list;
    if (!member(name_fields, "nameIdentifier", &list)) return fail(at + ".name", "nameIdentifier is required");
    if (out->legal) {
      QZ_TRY(legal_name(list, at + ".name.nameIdentifier", &out->name));
      if (member(name_fields, "localNameIdentifier", &list)) {
        QZ_TRY(legal_name(list, at + ".name.localNameIdentifier", &out->local_name));
      }
    } else {
      QZ_TRY(natural_name(list, at + ".name.nameIdentifier", &out->name));
      if (member(name_fields, "localNameIdentifier", &list)) {
        QZ_TRY(natural_name(list, at + ".name.localNameIdentifier", &out->local_name));
      }
    }
    if (out->name.empty()) return fail(at + ".name.nameIdentifier", "must not be empty");
    QZ_TRY(address(fields, at, &out->has_address));
    element value;
    if (member(fields, "nationalIdentification", &value)) {
      object id;
      QZ_TRY(as_object(value, at + ".nationalIdentification", &id));
      std::string number;
      QZ_TRY(optional_text(id, "nationalIdentifier", at + ".nationalIdentification", kMaxText, &number));
      out->has_national_id = !number.empty();
    }
    std::string customer;
    QZ_TRY(optional_text(fields, out->legal ? "customerNumber" : "customerIdentification", at, kMaxText, &customer));
    out->has_customer_id = !customer.empty();
    if (!out->legal && member(fields, "dateAndPlaceOfBirth", &value)) {
      object birth;
      QZ_TRY(as_object(value, at + ".dateAndPlaceOfBirth", &birth));
      std::string date;
      std::string place;
      QZ_TRY(optional_text(birth, "dateOfBirth", at + ".dateAndPlaceOfBirth", 10, &date));
      QZ_TRY(optional_text(birth, "placeOfBirth", at + ".dateAndPlaceOfBirth", kMaxText, &place));
      out->has_birth = !date.empty() && !place.empty();
    }
    QZ_TRY(optional_text(fields, out->legal ? "countryOfRegistration" : "countryOfResidence", at, 2, &out->country));
    return Status::ok();
  }

  // originator / beneficiary: persons under `persons_key`, accounts under accountNumber.
  Status party(const object& root, std::string_view key, std::string_view persons_key,
               std::vector<Ivms101Person>* persons, std::vector<std::string>* accounts) const {
    element value;
    if (!member(root, key, &value)) return fail(std::string(key), "is required");
    const std::string path(key);
    object fields;
    QZ_TRY(as_object(value, path, &fields));
    element list;
    if (member(fields, persons_key, &list)) {
      array entries;
      QZ_TRY(as_array(list, path + "." + std::string(persons_key), &entries));
      QZ_TRY(bounded(entries, path + "." + std::string(persons_key)));
      size_t index = 0;
      for (element entry : entries) {
        Ivms101Person person_out;
        QZ_TRY(person(entry, path + "." + std::string(persons_key) + "[" + std::to_string(index++) + "]",
                      &person_out));
        persons->push_back(std::move(person_out));
      }
    }
    if (member(fields, "accountNumber", &list)) {
      array entries;
      QZ_TRY(as_array(list, path + ".accountNumber", &entries));
      QZ_TRY(bounded(entries, path + ".accountNumber"));
      size_t index = 0;
      for (element entry : entries) {
        std::string account;
        QZ_TRY(as_text(entry, path + ".accountNumber[" + std::to_string(index++) + "]", kMaxText, &account));
        accounts->push_back(std::move(account));
      }
    }
    return Status::ok();
  }

  Status vasp(const object& root, std::string_view key, std::string* name) const {
    element value;
    if (!member(root, key, &value)) return Status::ok();
    const std::string path(key);
    object fields;
    QZ_TRY(as_object(value, path, &fields));
    element person_value;
    if (!member(fields, key == "originatingVASP" ? "originatingVASP" : "beneficiaryVASP", &person_value)) {
      return Status::ok();  // the VASP's identification is optional here
    }
    Ivms101Person vasp_person;
    QZ_TRY(person(person_value, path + "." + std::string(key), &vasp_person));
    *name = vasp_person.name;
    return Status::ok();
  }
};

void put_text(Sha256* hasher, const std::string& text) {
  hasher->update_u64(text.size());
  hasher->update(text.data(), text.size());
}

void put_person(Sha256* hasher, const Ivms101Person& p) {
  hasher->update_u64(p.legal ? 1 : 0);
  put_text(hasher, p.name);
  put_text(hasher, p.local_name);
  put_text(hasher, p.country);
  hasher->update_u64((p.has_address ? 1u : 0u) | (p.has_national_id ? 2u : 0u) | (p.has_customer_id ? 4u : 0u) |
                     (p.has_birth ? 8u : 0u));
}

}  // namespace

Status parse_ivms101(std::string_view json, Ivms101Record* out) {
  *out = Ivms101Record{};
  if (json.size() > kMaxJson) return Status::error("ivms101: the record is larger than 1 MiB");
  thread_local simdjson::dom::parser parser;  // reused: it keeps its buffers
  element root;
  if (const auto error = parser.parse(json.data(), json.size()).get(root); error != simdjson::SUCCESS) {
    return Status::error(std::string("ivms101: not valid JSON: ") + simdjson::error_message(error));
  }
  const Reader reader;
  object fields;
  QZ_TRY(reader.as_object(root, "the record", &fields));
  Ivms101Record record;
  QZ_TRY(reader.party(fields, "originator", "originatorPersons", &record.originators, &record.originator_accounts));
  QZ_TRY(reader.party(fields, "beneficiary", "beneficiaryPersons", &record.beneficiaries,
                      &record.beneficiary_accounts));
  QZ_TRY(reader.vasp(fields, "originatingVASP", &record.originating_vasp));
  QZ_TRY(reader.vasp(fields, "beneficiaryVASP", &record.beneficiary_vasp));
  *out = std::move(record);
  return Status::ok();
}

uint32_t travel_rule_fields(const Ivms101Record& record) {
  uint32_t fields = 0;
  if (!record.originators.empty()) fields |= kTravelOriginatorName;
  if (!record.originator_accounts.empty()) fields |= kTravelOriginatorAccount;
  for (const Ivms101Person& p : record.originators) {
    if (p.has_address) fields |= kTravelOriginatorAddress;
    if (p.has_national_id) fields |= kTravelOriginatorNationalId;
    if (p.has_customer_id) fields |= kTravelOriginatorCustomerId;
    if (p.has_birth) fields |= kTravelOriginatorBirth;
  }
  if (!record.beneficiaries.empty()) fields |= kTravelBeneficiaryName;
  if (!record.beneficiary_accounts.empty()) fields |= kTravelBeneficiaryAccount;
  return fields;
}

Hash256 ivms101_digest(const Ivms101Record& record) {
  Sha256 hasher;
  hasher.update("qazna.ivms101.v1");
  for (const auto* persons : {&record.originators, &record.beneficiaries}) {
    hasher.update_u64(persons->size());
    for (const Ivms101Person& p : *persons) put_person(&hasher, p);
  }
  for (const auto* accounts : {&record.originator_accounts, &record.beneficiary_accounts}) {
    hasher.update_u64(accounts->size());
    for (const std::string& account : *accounts) put_text(&hasher, account);
  }
  put_text(&hasher, record.originating_vasp);
  put_text(&hasher, record.beneficiary_vasp);
  return hasher.finish();
}

uint64_t ivms101_reference(const Hash256& digest) {
  uint64_t reference = 0;
  std::memcpy(&reference, digest.bytes.data(), sizeof reference);
  return reference;
}

}  // namespace qz::app
