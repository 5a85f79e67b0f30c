#include "kyc/record.h"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "json/writer.h"

namespace qz::kyc {

const char* client_kind_name(ClientKind kind) {
  switch (kind) {
    case ClientKind::person: return "person";
    case ClientKind::company: return "company";
  }
  return "unknown";
}

const char* document_type_name(DocumentType type) {
  switch (type) {
    case DocumentType::passport: return "passport";
    case DocumentType::national_id: return "national_id";
    case DocumentType::residence_permit: return "residence_permit";
    case DocumentType::driving_licence: return "driving_licence";
  }
  return "unknown";
}

namespace {

// ISO 3166-1 alpha-2, officially assigned codes, then XK.
constexpr std::string_view kCountries =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO "
    "FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE "
    "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO "
    "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW "
    "PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM "
    "TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

// Decodes the UTF-8 code point at text[*at], advancing *at; false on a malformed, overlong or surrogate sequence.
bool next_code_point(std::string_view text, size_t* at, uint32_t* out) {
  const auto byte = static_cast<unsigned char>(text[*at]);
  if (byte < 0x80) {
    *out = byte;
    (*at)++;
    return true;
  }
  size_t length = 0;
  uint32_t value = 0;
  if ((byte & 0xE0) == 0xC0) {
    length = 2;
    value = byte & 0x1Fu;
  } else if ((byte & 0xF0) == 0xE0) {
    length = 3;
    value = byte & 0x0Fu;
  } else if ((byte & 0xF8) == 0xF0) {
    length = 4;
    value = byte & 0x07u;
  } else {
    return false;
  }
  if (*at + length > text.size()) return false;
  for (size_t k = 1; k < length; k++) {
    const auto next = static_cast<unsigned char>(text[*at + k]);
    if ((next & 0xC0) != 0x80) return false;
    value = (value << 6) | (next & 0x3Fu);
  }
  const uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
  *out = value;
  *at += length;
  return true;
}

bool latin_letter(uint32_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;  // Latin-1 letters, Latin Extended-A and -B
  return c >= 0x1E00 && c <= 0x1EFF;                            // Latin Extended Additional
}

enum class TextKind { any, latin_name, number };

// "" when `text` is acceptable text of this kind with at most `max` characters; else what is wrong.
std::string text_problem(std::string_view text, TextKind kind, size_t max) {
  size_t chars = 0;
  bool visible = false;
  bool letter = false;
  size_t at = 0;
  while (at < text.size()) {
    uint32_t c = 0;
    if (!next_code_point(text, &at, &c)) return "must be valid UTF-8";
    chars++;
    if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return "must not hold control characters";
    if (c != ' ' && c != 0xA0) visible = true;
    if (kind == TextKind::latin_name) {
      const bool punctuation = c == ' ' || c == '.' || c == ',' || c == '\'' || c == '-' || c == '&' || c == '(' ||
                               c == ')' || c == '/' || c == '"' || c == 0x2019 || (c >= '0' && c <= '9');
      if (latin_letter(c)) {
        letter = true;
      } else if (!punctuation) {
        return "must be written in Latin letters (the original script goes in \"original\")";
      }
    }
    if (kind == TextKind::number) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' ||
                      c == '-' || c == '/' || c == '.';
      if (!ok) return "may hold only letters A-Z, digits, spaces and - / .";
    }
  }
  if (!visible) return "must not be empty";
  if (chars > max) return "longer than " + std::to_string(max) + " characters";
  if (kind == TextKind::latin_name && !letter) return "must hold a Latin letter";
  return "";
}

using simdjson::dom::element;
using simdjson::dom::object;

class Reader {
 public:
  static Status fail(const std::string& path, const std::string& what) {
    return Status::error("client record: " + path + ": " + what);
  }

  // Visits the fields of `value` (an object), refusing repeated and unknown ones; `fields` lists the known.
  template <typename Visit>
  static Status fields(const element& value, const std::string& path, std::initializer_list<std::string_view> known,
                       std::set<std::string>* seen, Visit&& visit) {
    object members;
    if (value.get_object().get(members) != simdjson::SUCCESS) return fail(path, "must be an object");
    seen->clear();
    for (const auto member : members) {
      const std::string key(member.key);
      const std::string at = path.empty() ? key : path + "." + key;
      if (std::find(known.begin(), known.end(), member.key) == known.end()) return fail(at, "unknown field");
      if (!seen->insert(key).second) return fail(at, "repeated field");
      QZ_TRY(visit(member.key, member.value, at));
    }
    return Status::ok();
  }

  static Status require(const std::set<std::string>& seen, const std::string& path,
                        std::initializer_list<std::string_view> required) {
    for (const std::string_view key : required) {
      if (seen.count(std::string(key)) == 0) {
        return fail(path.empty() ? std::string(key) : path + "." + std::string(key), "is required");
      }
    }
    return Status::ok();
  }

  static Status text(const element& value, const std::string& path, TextKind kind, size_t max, std::string* out) {
    std::string_view view;
    if (value.get_string().get(view) != simdjson::SUCCESS) return fail(path, "must be a string");
    if (const std::string problem = text_problem(view, kind, max); !problem.empty()) return fail(path, problem);
    *out = std::string(view);
    return Status::ok();
  }

  static Status country(const element& value, const std::string& path, std::string* out) {
    std::string_view view;
    if (value.get_string().get(view) != simdjson::SUCCESS) return fail(path, "must be a string");
    if (!country_code_assigned(view)) {
      return fail(path, "must be an assigned ISO 3166-1 alpha-2 country code in capitals (KZ), got \"" +
                            std::string(view.substr(0, 8)) + (view.size() > 8 ? "..." : "") + "\"");
    }
    *out = std::string(view);
    return Status::ok();
  }

  static Status date(const element& value, const std::string& path, std::string* out) {
    std::string_view view;
    if (value.get_string().get(view) != simdjson::SUCCESS) return fail(path, "must be a string");
    if (!calendar_date_valid(view)) return fail(path, "must be a date YYYY-MM-DD between 1900 and 2099");
    *out = std::string(view);
    return Status::ok();
  }

  static Status name(const element& value, const std::string& path, LegalName* out) {
    std::set<std::string> seen;
    QZ_TRY(fields(value, path, {"latin", "original"}, &seen,
                  [&](std::string_view key, const element& v, const std::string& at) -> Status {
                    if (key == "latin") return text(v, at, TextKind::latin_name, kMaxNameChars, &out->latin);
                    return text(v, at, TextKind::any, kMaxNameChars, &out->original);
                  }));
    return require(seen, path, {"latin"});
  }

  static Status document(const element& value, const std::string& path, IdentityDocument* out) {
    std::set<std::string> seen;
    QZ_TRY(fields(value, path, {"type", "number", "country"}, &seen,
                  [&](std::string_view key, const element& v, const std::string& at) -> Status {
                    if (key == "number") return text(v, at, TextKind::number, kMaxNumberChars, &out->number);
                    if (key == "country") return country(v, at, &out->country);
                    std::string_view type;
                    if (v.get_string().get(type) != simdjson::SUCCESS) return fail(at, "must be a string");
                    for (uint8_t t = 1; t <= 4; t++) {
                      if (type == document_type_name(static_cast<DocumentType>(t))) {
                        out->type = static_cast<DocumentType>(t);
                        return Status::ok();
                      }
                    }
                    return fail(at, "must be passport, national_id, residence_permit or driving_licence");
                  }));
    return require(seen, path, {"type", "number", "country"});
  }

  static Status address(const element& value, const std::string& path, Address* out) {
    std::set<std::string> seen;
    QZ_TRY(fields(value, path, {"street", "city", "postcode", "country"}, &seen,
                  [&](std::string_view key, const element& v, const std::string& at) -> Status {
                    if (key == "street") return text(v, at, TextKind::any, kMaxTextChars, &out->street);
                    if (key == "city") return text(v, at, TextKind::any, kMaxTextChars, &out->city);
                    if (key == "postcode") return text(v, at, TextKind::number, kMaxPostcodeChars, &out->postcode);
                    return country(v, at, &out->country);
                  }));
    return require(seen, path, {"street", "city", "country"});
  }

  // A percentage above 0 and at most 100: a whole number, or a string with up to two decimals ("33.33").
  static Status share(const element& value, const std::string& path, uint32_t* out) {
    uint64_t whole = 0;
    std::string_view view;
    uint64_t hundredths = 0;
    if (value.get_uint64().get(whole) == simdjson::SUCCESS) {
      hundredths = whole <= 100 ? whole * 100 : kWholeShareHundredths + 1;
    } else if (value.get_string().get(view) == simdjson::SUCCESS) {
      const size_t dot = view.find('.');
      const std::string_view integer = view.substr(0, dot);
      const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : view.substr(dot + 1);
      const auto digits = [](std::string_view part) {
        return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
      };
      if (integer.empty() || integer.size() > 3 || !digits(integer) || !digits(fraction) || fraction.size() > 2 ||
          (dot != std::string_view::npos && fraction.empty())) {
        return fail(path, "must be a percentage with at most two decimals (\"25\", \"33.33\")");
      }
      for (const char c : integer) hundredths = hundredths * 10 + static_cast<uint64_t>(c - '0');
      hundredths *= 100;
      if (fraction.size() >= 1) hundredths += static_cast<uint64_t>(fraction[0] - '0') * 10;
      if (fraction.size() == 2) hundredths += static_cast<uint64_t>(fraction[1] - '0');
    } else {
      return fail(path, "must be a whole number or a decimal string");
    }
    if (hundredths == 0 || hundredths > kWholeShareHundredths) return fail(path, "must be above 0 and at most 100");
    *out = static_cast<uint32_t>(hundredths);
    return Status::ok();
  }

  static Status owner(const element& value, const std::string& path, BeneficialOwner* out) {
    std::set<std::string> seen;
    QZ_TRY(fields(value, path, {"name", "date_of_birth", "nationality", "share_percent"}, &seen,
                  [&](std::string_view key, const element& v, const std::string& at) -> Status {
                    if (key == "name") return name(v, at, &out->name);
                    if (key == "date_of_birth") return date(v, at, &out->date_of_birth);
                    if (key == "nationality") return country(v, at, &out->nationality);
                    return share(v, at, &out->share_hundredths);
                  }));
    return require(seen, path, {"name", "date_of_birth", "nationality", "share_percent"});
  }

  static Status record(const element& root, ClientRecord* out) {
    std::set<std::string> seen;
    const Status read = fields(
        root, "", {"id", "kind", "name", "date_of_birth", "nationality", "residence", "document", "address",
                   "registration_number", "beneficial_owners", "class", "kyc_tier", "knowledge_test"},
        &seen, [&](std::string_view key, const element& v, const std::string& at) -> Status {
          if (key == "id") {
            int64_t signed_id = 0;
            if (v.get_uint64().get(out->id) != simdjson::SUCCESS || out->id == 0 ||
                v.get_int64().get(signed_id) != simdjson::SUCCESS) {
              return fail(at, "must be a whole number from 1 to 9223372036854775807");
            }
            return Status::ok();
          }
          if (key == "kind") {
            std::string_view kind;
            if (v.get_string().get(kind) != simdjson::SUCCESS) return fail(at, "must be a string");
            if (kind == "person") {
              out->kind = ClientKind::person;
            } else if (kind == "company") {
              out->kind = ClientKind::company;
            } else {
              return fail(at, "must be person or company");
            }
            return Status::ok();
          }
          if (key == "name") return name(v, at, &out->name);
          if (key == "date_of_birth") return date(v, at, &out->date_of_birth);
          if (key == "nationality") return country(v, at, &out->nationality);
          if (key == "residence") return country(v, at, &out->residence);
          if (key == "document") return document(v, at, &out->document);
          if (key == "address") return address(v, at, &out->address);
          if (key == "registration_number") {
            return text(v, at, TextKind::number, kMaxNumberChars, &out->registration_number);
          }
          if (key == "beneficial_owners") {
            simdjson::dom::array owners;
            if (v.get_array().get(owners) != simdjson::SUCCESS) return fail(at, "must be an array");
            if (owners.size() > kMaxOwners) return fail(at, "more than " + std::to_string(kMaxOwners) + " owners");
            size_t index = 0;
            for (const element entry : owners) {
              BeneficialOwner owner_out;
              const Status read_owner = owner(entry, at + "[" + std::to_string(index++) + "]", &owner_out);
              if (!read_owner.is_ok()) return read_owner;
              out->owners.push_back(std::move(owner_out));
            }
            return Status::ok();
          }
          if (key == "class") {
            std::string_view value;
            if (v.get_string().get(value) != simdjson::SUCCESS) return fail(at, "must be a string");
            if (value == "retail") {
              out->classification = ClientClass::retail;
            } else if (value == "professional") {
              out->classification = ClientClass::professional;
            } else {
              return fail(at, "must be retail or professional");
            }
            return Status::ok();
          }
          if (key == "kyc_tier") {
            uint64_t tier = 0;
            if (v.get_uint64().get(tier) != simdjson::SUCCESS || tier > kMaxKycTier) {
              return fail(at, "must be a whole number from 0 to 3");
            }
            out->kyc_tier = static_cast<uint8_t>(tier);
            return Status::ok();
          }
          bool flag = false;  // knowledge_test
          if (v.get_bool().get(flag) != simdjson::SUCCESS) return fail(at, "must be true or false");
          out->knowledge_test = flag;
          return Status::ok();
        });
    if (!read.is_ok()) return read;
    QZ_TRY(require(seen, "", {"id", "kind", "name", "nationality", "residence", "address", "class", "kyc_tier",
                              "knowledge_test"}));
    if (out->kind == ClientKind::person) {
      QZ_TRY(require(seen, "", {"date_of_birth", "document"}));
      if (seen.count("registration_number") != 0) return fail("registration_number", "is for companies only");
      if (seen.count("beneficial_owners") != 0) return fail("beneficial_owners", "are for companies only");
    } else {
      QZ_TRY(require(seen, "", {"registration_number", "beneficial_owners"}));
      if (seen.count("date_of_birth") != 0) return fail("date_of_birth", "is for persons only");
      if (seen.count("document") != 0) {
        return fail("document", "is for persons only (a company is identified by its registration_number)");
      }
      if (out->owners.empty()) return fail("beneficial_owners", "a company needs at least one beneficial owner");
      uint32_t total = 0;
      for (const BeneficialOwner& owner_entry : out->owners) total += owner_entry.share_hundredths;
      if (total > kWholeShareHundredths) return fail("beneficial_owners", "the shares sum to more than 100 percent");
    }
    return Status::ok();
  }
};

std::string share_text(uint32_t hundredths) {
  std::string fraction = std::to_string(hundredths % 100);
  if (fraction.size() < 2) fraction.insert(0, 1, '0');
  return std::to_string(hundredths / 100) + "." + fraction;
}

void name_json(json::Writer* json, const LegalName& name) {
  json->begin_object().field("latin", name.latin);
  if (!name.original.empty()) json->field("original", name.original);
  json->end_object();
}

}  // namespace

bool country_code_assigned(std::string_view code) {
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') return false;
  for (size_t at = 0; at + 2 <= kCountries.size(); at += 3) {
    if (kCountries.substr(at, 2) == code) return true;
  }
  return false;
}

bool utf8_valid(std::string_view text) {
  size_t at = 0;
  uint32_t c = 0;
  while (at < text.size()) {
    if (!next_code_point(text, &at, &c)) return false;
  }
  return true;
}

bool calendar_date_valid(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int value[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int part = 0; part < 3; part++) {
    for (size_t k = 0; k < lengths[part]; k++) {
      const char c = text[starts[part] + k];
      if (c < '0' || c > '9') return false;
      value[part] = value[part] * 10 + (c - '0');
    }
  }
  const int year = value[0];
  const int month = value[1];
  const int day = value[2];
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

Status parse_client_record(std::string_view json, ClientRecord* out) {
  *out = ClientRecord{};
  if (json.size() > kMaxRecordBytes) {
    return Status::error("client record: larger than " + std::to_string(kMaxRecordBytes) + " bytes");
  }
  thread_local simdjson::dom::parser parser;  // reused: it keeps its buffers
  element root;
  if (const auto error = parser.parse(json.data(), json.size()).get(root); error != simdjson::SUCCESS) {
    return Status::error(std::string("client record: not valid JSON: ") + simdjson::error_message(error));
  }
  if (!root.is_object()) return Status::error("client record: must be a JSON object");
  ClientRecord record;
  QZ_TRY(Reader::record(root, &record));
  *out = std::move(record);
  return Status::ok();
}

std::string client_record_json(const ClientRecord& r) {
  json::Writer json;
  json.begin_object().field("id", r.id).field("kind", client_kind_name(r.kind)).key("name");
  name_json(&json, r.name);
  if (r.kind == ClientKind::person) json.field("date_of_birth", r.date_of_birth);
  json.field("nationality", r.nationality).field("residence", r.residence);
  if (r.kind == ClientKind::person) {
    json.key("document")
        .begin_object()
        .field("type", document_type_name(r.document.type))
        .field("number", r.document.number)
        .field("country", r.document.country)
        .end_object();
  }
  json.key("address").begin_object().field("street", r.address.street).field("city", r.address.city);
  if (!r.address.postcode.empty()) json.field("postcode", r.address.postcode);
  json.field("country", r.address.country).end_object();
  if (r.kind == ClientKind::company) {
    json.field("registration_number", r.registration_number).key("beneficial_owners").begin_array();
    for (const BeneficialOwner& owner : r.owners) {
      json.begin_object().key("name");
      name_json(&json, owner.name);
      json.field("date_of_birth", owner.date_of_birth)
          .field("nationality", owner.nationality)
          .field("share_percent", json::Decimal{share_text(owner.share_hundredths)})
          .end_object();
    }
    json.end_array();
  }
  json.field("class", client_class_name(r.classification))
      .field("kyc_tier", uint64_t{r.kyc_tier})
      .field("knowledge_test", r.knowledge_test)
      .end_object();
  return json.take();
}

ClientFacts client_facts(const ClientRecord& record) {
  ClientFacts facts;
  facts.classification = record.classification;
  facts.kyc_tier = record.kyc_tier;
  for (size_t i = 0; i < 2 && i < record.residence.size(); i++) facts.residence[i] = record.residence[i];
  for (size_t i = 0; i < 2 && i < record.nationality.size(); i++) facts.nationality[i] = record.nationality[i];
  facts.knowledge_test_passed = record.knowledge_test;
  return facts;
}

bool screened_names_differ(const ClientRecord& before, const ClientRecord& after) {
  if (before.name != after.name || before.owners.size() != after.owners.size()) return true;
  for (size_t i = 0; i < before.owners.size(); i++) {
    const BeneficialOwner& a = before.owners[i];
    const BeneficialOwner& b = after.owners[i];
    if (a.name != b.name || a.date_of_birth != b.date_of_birth || a.nationality != b.nationality) return true;
  }
  return false;
}

}  // namespace qz::kyc
