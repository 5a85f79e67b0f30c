#include "screening/lists.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "screening/internal/countries.h"
#include "screening/internal/csv.h"
#include "screening/internal/guarded.h"
#include "screening/internal/xml.h"

namespace qz::screening {

using internal::guarded;

using internal::at_line;
using internal::country_code;
using internal::CsvReader;
using internal::trim;
using internal::XmlElement;

namespace {


bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string latin1_to_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(0xC0 | (u >> 6)));
      out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    }
  }
  return out;
}

// Offset of the first byte that is not valid UTF-8, or npos.
size_t invalid_utf8_at(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto u = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t cp = 0;
    if (u < 0x80) {
      i++;
      continue;
    } else if ((u & 0xE0) == 0xC0) {
      length = 2;
      cp = u & 0x1Fu;
    } else if ((u & 0xF0) == 0xE0) {
      length = 3;
      cp = u & 0x0Fu;
    } else if ((u & 0xF8) == 0xF0) {
      length = 4;
      cp = u & 0x07u;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; k++) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (next & 0x3Fu);
    }
    const uint32_t minimum = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += length;
  }
  return std::string_view::npos;
}

size_t line_of_offset(std::string_view text, size_t offset) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::vector<std::string> split(std::string_view text, std::string_view separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t found = text.find(separator, start);
    if (found == std::string_view::npos) found = text.size();
    parts.emplace_back(text.substr(start, found - start));
    start = found + separator.size();
  }
  return parts;
}

// ---- dates ----

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

bool parse_int(std::string_view text, int* out) {
  if (text.empty() || text.size() > 4) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

int month_number(std::string_view text) {
  static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
  if (text.size() < 3) return 0;
  std::string prefix;
  for (size_t i = 0; i < 3; i++) prefix.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
  for (int m = 0; m < 12; m++) {
    if (prefix == kMonths[m]) return m + 1;
  }
  return 0;
}

DateRange year_range(int year) { return {year * 10000 + 101, year * 10000 + 1231}; }

// "05 Nov 1980", "Nov 1980", "1980" -> the range it covers.
bool parse_ofac_date(std::string_view text, DateRange* out) {
  std::vector<std::string> words;
  for (const std::string& word : split(trim(text), " ")) {
    if (!word.empty()) words.push_back(word);
  }
  int year = 0;
  if (words.empty() || !parse_int(words.back(), &year) || year < 1000) return false;
  if (words.size() == 1) {
    *out = year_range(year);
    return true;
  }
  const int month = month_number(words[words.size() - 2]);
  if (month == 0) return false;
  if (words.size() == 2) {
    *out = {year * 10000 + month * 100 + 1, year * 10000 + month * 100 + days_in_month(year, month)};
    return true;
  }
  int day = 0;
  if (words.size() != 3 || !parse_int(words[0], &day) || day < 1 || day > days_in_month(year, month)) return false;
  out->from = out->to = year * 10000 + month * 100 + day;
  return true;
}

// The text after "DOB ": one date, "circa" a date, or "A to B" / "YYYY-YYYY".
bool parse_ofac_dob(std::string_view text, DateRange* out) {
  std::string body = trim(text);
  while (!body.empty() && body.back() == '.') body.pop_back();
  bool circa = false;
  if (starts_with(body, "circa ")) {
    circa = true;
    body = trim(std::string_view(body).substr(6));
  }
  std::string first = body;
  std::string second;
  const size_t to = body.find(" to ");
  if (to != std::string::npos) {
    first = body.substr(0, to);
    second = body.substr(to + 4);
  } else if (body.size() == 9 && body[4] == '-') {
    first = body.substr(0, 4);
    second = body.substr(5);
  }
  DateRange a;
  if (!parse_ofac_date(first, &a)) return false;
  DateRange b = a;
  if (!second.empty() && !parse_ofac_date(second, &b)) return false;
  *out = {std::min(a.from, b.from), std::max(a.to, b.to)};
  if (circa) {
    out->from -= 20000;
    out->to += 20000;
  }
  return true;
}

void add_country(std::string_view name, ListEntry* entry) {
  const std::string code = country_code(name);
  if (!code.empty()) entry->countries.push_back(code);
}

void add_name(std::string text, NameKind kind, ListEntry* entry) {
  text = trim(text);
  if (text.empty()) return;
  for (const EntryName& existing : entry->names) {
    if (existing.text == text) return;
  }
  entry->names.push_back(EntryName{.text = std::move(text), .kind = kind});
}

// Weak a.k.a.s, dates of birth and countries out of OFAC's Remarks.
void parse_ofac_remarks(ListEntry* entry) {
  for (std::string item : split(entry->remarks, "; ")) {
    item = trim(item);
    if (starts_with(item, "alt. ")) item = item.substr(5);
    if (starts_with(item, "a.k.a. ") || starts_with(item, "f.k.a. ") || starts_with(item, "n.k.a. ")) {
      std::string value = trim(std::string_view(item).substr(7));
      if (value.size() >= 2 && value.back() == '.' && value[value.size() - 2] == '\'') value.pop_back();
      if (!value.empty() && value.front() == '\'') value.erase(0, 1);
      if (!value.empty() && value.back() == '\'') value.pop_back();
      add_name(value, NameKind::weak_alias, entry);
    } else if (starts_with(item, "DOB ")) {
      DateRange range;
      if (parse_ofac_dob(std::string_view(item).substr(4), &range)) entry->birth_dates.push_back(range);
    } else if (starts_with(item, "nationality ") || starts_with(item, "citizen ")) {
      std::string value = item.substr(item.find(' ') + 1);
      while (!value.empty() && value.back() == '.') value.pop_back();
      add_country(value, entry);
    } else if (starts_with(item, "POB ")) {
      std::string value = item.substr(4);
      while (!value.empty() && value.back() == '.') value.pop_back();
      const size_t comma = value.rfind(',');
      add_country(comma == std::string::npos ? value : value.substr(comma + 1), entry);
    }
  }
}

void finish_entry(ListEntry* entry) {
  std::sort(entry->countries.begin(), entry->countries.end());
  entry->countries.erase(std::unique(entry->countries.begin(), entry->countries.end()), entry->countries.end());
  std::sort(entry->birth_dates.begin(), entry->birth_dates.end(),
            [](const DateRange& a, const DateRange& b) { return a.from != b.from ? a.from < b.from : a.to < b.to; });
  entry->birth_dates.erase(std::unique(entry->birth_dates.begin(), entry->birth_dates.end()), entry->birth_dates.end());
}

// ---- OFAC ----

// OFAC's null is the literal "-0- ".
std::string ofac_field(const std::string& raw) {
  const std::string trimmed = trim(raw);
  if (trimmed == "-0-") return "";
  return latin1_to_utf8(trimmed);
}

Status parse_ent_num(const std::string& raw, const std::string& file, size_t line, std::string* out) {
  const std::string text = trim(raw);
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::error(at_line(file, line, "ent_num '" + latin1_to_utf8(text) + "' is not a number"));
  }
  size_t first = text.find_first_not_of('0');
  if (first == std::string::npos) return Status::error(at_line(file, line, "ent_num must be positive"));
  *out = text.substr(first);
  return Status::ok();
}

// Reads every record of `text`, checking its field count, and calls row(fields, line).
template <typename Row>
Status for_each_row(const std::string& text, const std::string& file, size_t field_count, Row&& row) {
  CsvReader reader(text, file);
  std::vector<std::string> fields;
  size_t line = 0;
  while (reader.next(&fields, &line)) {
    if (fields.size() != field_count) {
      return Status::error(at_line(
          file, line, "expected " + std::to_string(field_count) + " fields, found " + std::to_string(fields.size())));
    }
    QZ_TRY(row(fields, line));
  }
  return reader.status();
}

Status parse_ofac_impl(const OfacFiles& files, bool alias_only, SanctionsList* out) {
  std::vector<ListEntry> entries;
  std::map<std::string, size_t> by_uid;

  if (!alias_only) {
    const auto primary_row = [&](const std::vector<std::string>& f, size_t line) -> Status {
      ListEntry entry;
      QZ_TRY(parse_ent_num(f[0], files.primary_name, line, &entry.uid));
      if (by_uid.count(entry.uid) != 0) {
        return Status::error(at_line(files.primary_name, line, "ent_num " + entry.uid + " appears twice"));
      }
      const std::string name = ofac_field(f[1]);
      if (name.empty()) return Status::error(at_line(files.primary_name, line, "empty name"));
      const std::string type = ofac_field(f[2]);
      if (type.empty()) {
        entry.type = EntryType::entity;
      } else if (type == "individual") {
        entry.type = EntryType::individual;
      } else if (type == "vessel") {
        entry.type = EntryType::vessel;
      } else if (type == "aircraft") {
        entry.type = EntryType::aircraft;
      } else {
        return Status::error(at_line(files.primary_name, line, "unknown type '" + type + "'"));
      }
      entry.names.push_back(EntryName{.text = name, .kind = NameKind::primary});
      for (const std::string& program : split(ofac_field(f[3]), "] [")) {
        const std::string trimmed = trim(program);
        if (!trimmed.empty()) entry.programs.push_back(trimmed);
      }
      entry.remarks = ofac_field(f[11]);
      by_uid.emplace(entry.uid, entries.size());
      entries.push_back(std::move(entry));
      return Status::ok();
    };
    QZ_TRY(for_each_row(files.primary, files.primary_name, 12, primary_row));

    const auto comment_row = [&](const std::vector<std::string>& f, size_t line) -> Status {
      std::string uid;
      QZ_TRY(parse_ent_num(f[0], files.comments_name, line, &uid));
      const auto found = by_uid.find(uid);
      if (found == by_uid.end()) {
        return Status::error(at_line(files.comments_name, line, "ent_num " + uid + " is not in " + files.primary_name));
      }
      // The continuation may start mid-word: joined without a separator.
      entries[found->second].remarks += latin1_to_utf8(f[1]);
      return Status::ok();
    };
    QZ_TRY(for_each_row(files.comments, files.comments_name, 2, comment_row));
  }

  const auto alias_row = [&](const std::vector<std::string>& f, size_t line) -> Status {
    std::string uid;
    QZ_TRY(parse_ent_num(f[0], files.aliases_name, line, &uid));
    auto found = by_uid.find(uid);
    if (found == by_uid.end()) {
      if (!alias_only) {
        return Status::error(at_line(files.aliases_name, line, "ent_num " + uid + " is not in " + files.primary_name));
      }
      ListEntry entry;
      entry.uid = uid;
      // No primary row says the type: OFAC writes individuals "LAST, First".
      entry.type = ofac_field(f[3]).find(',') != std::string::npos ? EntryType::individual : EntryType::entity;
      found = by_uid.emplace(uid, entries.size()).first;
      entries.push_back(std::move(entry));
    }
    std::string type = ofac_field(f[2]);
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!type.empty() && type != "aka" && type != "fka" && type != "nka") {
      return Status::error(at_line(files.aliases_name, line, "unknown alias type '" + type + "' (aka, fka or nka)"));
    }
    const std::string name = ofac_field(f[3]);
    if (name.empty()) return Status::error(at_line(files.aliases_name, line, "empty alias name"));
    add_name(name, NameKind::alias, &entries[found->second]);
    return Status::ok();
  };
  QZ_TRY(for_each_row(files.aliases, files.aliases_name, 5, alias_row));

  const auto address_row = [&](const std::vector<std::string>& f, size_t line) -> Status {
    std::string uid;
    QZ_TRY(parse_ent_num(f[0], files.addresses_name, line, &uid));
    const auto found = by_uid.find(uid);
    if (found == by_uid.end()) {
      if (alias_only) return Status::ok();  // an address of an entry without names: nothing to screen
      return Status::error(at_line(files.addresses_name, line, "ent_num " + uid + " is not in " + files.primary_name));
    }
    add_country(ofac_field(f[4]), &entries[found->second]);
    return Status::ok();
  };
  QZ_TRY(for_each_row(files.addresses, files.addresses_name, 6, address_row));

  for (ListEntry& entry : entries) {
    if (!alias_only) parse_ofac_remarks(&entry);
    finish_entry(&entry);
  }
  out->entries = std::move(entries);
  out->format = alias_only ? "ofac_alias_only" : "ofac_sdn";
  return Status::ok();
}

// ---- UN XML ----

Status parse_un_entry(const XmlElement& element, bool individual, const std::string& file, ListEntry* entry) {
  entry->type = individual ? EntryType::individual : EntryType::entity;
  entry->uid = element.child_text("REFERENCE_NUMBER");
  if (entry->uid.empty()) {
    const std::string data_id = element.child_text("DATAID");
    if (data_id.empty()) {
      return Status::error(at_line(file, element.line, element.name + " without REFERENCE_NUMBER or DATAID"));
    }
    entry->uid = "DATAID " + data_id;
  }
  std::string name;
  for (const char* part : {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"}) {
    const std::string text = element.child_text(part);
    if (text.empty()) continue;
    if (!name.empty()) name.push_back(' ');
    name += text;
  }
  if (name.empty()) return Status::error(at_line(file, element.line, element.name + " " + entry->uid + " has no name"));
  add_name(name, NameKind::primary, entry);
  add_name(element.child_text("NAME_ORIGINAL_SCRIPT"), NameKind::original_script, entry);
  const std::string alias_tag = individual ? "INDIVIDUAL_ALIAS" : "ENTITY_ALIAS";
  const std::string address_tag = individual ? "INDIVIDUAL_ADDRESS" : "ENTITY_ADDRESS";
  for (const XmlElement& child : element.children) {
    if (child.name == alias_tag) {
      const std::string quality = child.child_text("QUALITY");
      const bool weak = quality == "Low" || quality == "Very Low";
      add_name(child.child_text("ALIAS_NAME"), weak ? NameKind::weak_alias : NameKind::alias, entry);
    } else if (child.name == address_tag || child.name == "INDIVIDUAL_PLACE_OF_BIRTH") {
      add_country(child.child_text("COUNTRY"), entry);
    } else if (child.name == "NATIONALITY") {
      for (const XmlElement& value : child.children) {
        if (value.name == "VALUE") add_country(trim(value.text), entry);
      }
    } else if (child.name == "INDIVIDUAL_DATE_OF_BIRTH") {
      const std::string kind = child.child_text("TYPE_OF_DATE");
      DateRange range;
      bool have = false;
      int from_year = 0;
      int to_year = 0;
      const std::string date = child.child_text("DATE");
      if (!date.empty()) {
        have = parse_iso_date_range(date.substr(0, std::min<size_t>(date.size(), 10)), &range);
      } else if (parse_int(child.child_text("YEAR"), &from_year) && from_year >= 1000) {
        range = year_range(from_year);
        have = true;
      } else if (parse_int(child.child_text("FROM_YEAR"), &from_year) &&
                 parse_int(child.child_text("TO_YEAR"), &to_year) && from_year >= 1000 && to_year >= from_year) {
        range = {year_range(from_year).from, year_range(to_year).to};
        have = true;
      }
      if (have && kind == "APPROXIMATELY") {
        range.from -= 20000;
        range.to += 20000;
      }
      if (have) entry->birth_dates.push_back(range);
    }
  }
  const std::string list_type = element.child_text("UN_LIST_TYPE");
  if (!list_type.empty()) entry->programs.push_back(list_type);
  entry->remarks = element.child_text("COMMENTS1");
  finish_entry(entry);
  return Status::ok();
}

Status parse_un_impl(std::string_view xml, const std::string& file_name, SanctionsList* out) {
  XmlElement root;
  QZ_TRY(internal::parse_xml(xml, file_name, &root));
  if (root.name != "CONSOLIDATED_LIST") {
    return Status::error(at_line(file_name, root.line, "root element is <" + root.name + ">, not <CONSOLIDATED_LIST>"));
  }
  std::set<std::string> uids;
  for (const XmlElement& group : root.children) {
    const bool individuals = group.name == "INDIVIDUALS";
    if (!individuals && group.name != "ENTITIES") continue;
    const std::string item_tag = individuals ? "INDIVIDUAL" : "ENTITY";
    for (const XmlElement& item : group.children) {
      if (item.name != item_tag) continue;
      ListEntry entry;
      QZ_TRY(parse_un_entry(item, individuals, file_name, &entry));
      if (!uids.insert(entry.uid).second) {
        return Status::error(at_line(file_name, item.line, "reference " + entry.uid + " appears twice"));
      }
      out->entries.push_back(std::move(entry));
    }
  }
  out->format = "un_xml";
  return Status::ok();
}

// ---- operator CSV ----

constexpr const char* kOperatorColumns[] = {"uid", "name", "type", "dob", "country", "aliases", "weak_aliases", "list"};

std::vector<std::string> split_values(const std::string& cell) {
  std::vector<std::string> values;
  for (const std::string& part : split(cell, ";")) {
    std::string value = trim(part);
    if (!value.empty()) values.push_back(std::move(value));
  }
  return values;
}

Status parse_operator_impl(std::string_view text, const std::string& file_name, SanctionsList* out) {
  const size_t bad = invalid_utf8_at(text);
  if (bad != std::string_view::npos) {
    return Status::error(at_line(file_name, line_of_offset(text, bad), "not valid UTF-8"));
  }
  CsvReader reader(text, file_name);
  std::vector<std::string> fields;
  size_t line = 0;
  if (!reader.next(&fields, &line)) {
    QZ_TRY(reader.status());
    return Status::error(at_line(file_name, 1, "empty file: expected a header row (uid,name,...)"));
  }
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < fields.size(); i++) {
    std::string name = trim(fields[i]);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool known =
        std::any_of(std::begin(kOperatorColumns), std::end(kOperatorColumns), [&](const char* k) { return name == k; });
    if (!known) {
      return Status::error(at_line(file_name, line,
                                   "unknown column '" + name +
                                       "' (columns: uid, name, type, dob, country, aliases, "
                                       "weak_aliases, list)"));
    }
    if (!column.emplace(name, i).second) return Status::error(at_line(file_name, line, "column '" + name + "' twice"));
  }
  if (column.count("uid") == 0 || column.count("name") == 0) {
    return Status::error(at_line(file_name, line, "the header must name the columns uid and name"));
  }
  const size_t width = fields.size();
  const auto cell = [&](const char* name) -> std::string {
    const auto found = column.find(name);
    return found == column.end() ? std::string() : trim(fields[found->second]);
  };
  std::set<std::string> uids;
  while (reader.next(&fields, &line)) {
    if (fields.size() != width) {
      return Status::error(at_line(
          file_name, line, "expected " + std::to_string(width) + " fields, found " + std::to_string(fields.size())));
    }
    ListEntry entry;
    entry.uid = cell("uid");
    if (entry.uid.empty()) return Status::error(at_line(file_name, line, "empty uid"));
    if (!uids.insert(entry.uid).second) {
      return Status::error(at_line(file_name, line, "uid '" + entry.uid + "' appears twice"));
    }
    const std::string name = cell("name");
    if (name.empty()) return Status::error(at_line(file_name, line, "empty name"));
    entry.names.push_back(EntryName{.text = name, .kind = NameKind::primary});
    std::string type = cell("type");
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type.empty() || type == "individual" || type == "person") {
      entry.type = EntryType::individual;
    } else if (type == "entity" || type == "organisation" || type == "organization" || type == "company") {
      entry.type = EntryType::entity;
    } else if (type == "vessel") {
      entry.type = EntryType::vessel;
    } else if (type == "aircraft") {
      entry.type = EntryType::aircraft;
    } else {
      return Status::error(
          at_line(file_name, line, "unknown type '" + type + "' (individual, entity, vessel or aircraft)"));
    }
    for (const std::string& value : split_values(cell("dob"))) {
      DateRange range;
      if (!parse_iso_date_range(value, &range)) {
        return Status::error(at_line(file_name, line, "dob '" + value + "' is not YYYY, YYYY-MM or YYYY-MM-DD"));
      }
      entry.birth_dates.push_back(range);
    }
    for (const std::string& value : split_values(cell("country"))) {
      const std::string code = country_code(value);
      if (code.empty()) return Status::error(at_line(file_name, line, "unknown country '" + value + "'"));
      entry.countries.push_back(code);
    }
    for (const std::string& value : split_values(cell("aliases"))) add_name(value, NameKind::alias, &entry);
    for (const std::string& value : split_values(cell("weak_aliases"))) add_name(value, NameKind::weak_alias, &entry);
    entry.programs = split_values(cell("list"));
    finish_entry(&entry);
    out->entries.push_back(std::move(entry));
  }
  QZ_TRY(reader.status());
  out->format = "operator_csv";
  return Status::ok();
}

std::string base_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

bool path_exists(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

// Reads the OFAC files of DIR into *files; the primary file is optional only for the alias-only form.
Status read_ofac_files(const std::string& dir, bool alias_only, OfacFiles* files) {
  const std::filesystem::path root(dir);
  const bool consolidated = path_exists(root / "cons_prim.csv") || path_exists(root / "cons_alt.csv");
  files->primary_name = consolidated ? "cons_prim.csv" : "sdn.csv";
  files->aliases_name = consolidated ? "cons_alt.csv" : "alt.csv";
  files->addresses_name = consolidated ? "cons_add.csv" : "add.csv";
  files->comments_name = consolidated ? "cons_comments.csv" : "sdn_comments.csv";
  if (!alias_only) QZ_TRY(read_file((root / files->primary_name).string(), &files->primary));
  for (auto [name, text] :
       {std::pair{&files->aliases_name, &files->aliases}, std::pair{&files->addresses_name, &files->addresses},
        std::pair{&files->comments_name, &files->comments}}) {
    if (path_exists(root / *name)) QZ_TRY(read_file((root / *name).string(), text));
  }
  return Status::ok();
}

}  // namespace

// ---- public ----

const char* entry_type_name(EntryType type) {
  switch (type) {
    case EntryType::individual: return "individual";
    case EntryType::entity: return "entity";
    case EntryType::vessel: return "vessel";
    case EntryType::aircraft: return "aircraft";
  }
  return "unknown";
}

const char* name_kind_name(NameKind kind) {
  switch (kind) {
    case NameKind::primary: return "primary";
    case NameKind::alias: return "alias";
    case NameKind::weak_alias: return "weak alias";
    case NameKind::original_script: return "original script";
  }
  return "unknown";
}

Hash256 ListEntry::digest() const {
  Sha256 hash;
  const auto text = [&hash](std::string_view value) { hash.update_u64(value.size()).update(value); };
  text(uid);
  hash.update_u64(static_cast<uint64_t>(type));
  hash.update_u64(names.size());
  for (const EntryName& name : names) {
    text(name.text);
    hash.update_u64(static_cast<uint64_t>(name.kind));
  }
  hash.update_u64(birth_dates.size());
  for (const DateRange& range : birth_dates) {
    hash.update_u64(static_cast<uint64_t>(range.from)).update_u64(static_cast<uint64_t>(range.to));
  }
  hash.update_u64(countries.size());
  for (const std::string& country : countries) text(country);
  hash.update_u64(programs.size());
  for (const std::string& program : programs) text(program);
  text(remarks);
  return hash.finish();
}

ListCounts count_list(const SanctionsList& list) {
  ListCounts counts;
  counts.entries = list.entries.size();
  for (const ListEntry& entry : list.entries) {
    if (entry.type == EntryType::individual) {
      counts.individuals++;
    } else {
      counts.organisations++;
    }
    counts.names += entry.names.size();
    for (const EntryName& name : entry.names) {
      if (name.kind == NameKind::alias) counts.aliases++;
      if (name.kind == NameKind::weak_alias) counts.weak_aliases++;
      if (name.kind == NameKind::original_script) counts.original_script++;
    }
  }
  return counts;
}

bool parse_iso_date_range(std::string_view text, DateRange* out) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (text.size() < 4 || !parse_int(text.substr(0, 4), &year) || year < 1000) return false;
  if (text.size() == 4) {
    *out = year_range(year);
    return true;
  }
  if (text.size() < 7 || text[4] != '-' || !parse_int(text.substr(5, 2), &month) || month < 1 || month > 12) {
    return false;
  }
  if (text.size() == 7) {
    *out = {year * 10000 + month * 100 + 1, year * 10000 + month * 100 + days_in_month(year, month)};
    return true;
  }
  if (text.size() != 10 || text[7] != '-' || !parse_int(text.substr(8, 2), &day) || day < 1 ||
      day > days_in_month(year, month)) {
    return false;
  }
  out->from = out->to = year * 10000 + month * 100 + day;
  return true;
}

Status read_file(const std::string& path, std::string* out) {
  return guarded([&]() -> Status {
    out->clear();
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return Status::error("cannot open " + path + ": " + std::strerror(errno));
    char buffer[1 << 16];
    size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) out->append(buffer, got);
    const bool failed = std::ferror(file) != 0;
    const int read_errno = errno;
    std::fclose(file);
    if (failed) return Status::error("cannot read " + path + ": " + std::strerror(read_errno));
    return Status::ok();
  });
}

Status parse_ofac(const OfacFiles& files, SanctionsList* out) {
  return guarded([&]() -> Status {
    SanctionsList list;
    list.id = out->id;
    list.source = out->source;
    QZ_TRY(parse_ofac_impl(files, false, &list));
    if (files.primary_name == "cons_prim.csv") list.format = "ofac_cons";
    *out = std::move(list);
    return Status::ok();
  });
}

Status parse_ofac_alias_only(const OfacFiles& files, SanctionsList* out) {
  return guarded([&]() -> Status {
    SanctionsList list;
    list.id = out->id;
    list.source = out->source;
    QZ_TRY(parse_ofac_impl(files, true, &list));
    *out = std::move(list);
    return Status::ok();
  });
}

Status load_ofac_dir(const std::string& dir, SanctionsList* out) {
  return guarded([&]() -> Status {
    OfacFiles files;
    QZ_TRY(read_ofac_files(dir, false, &files));
    SanctionsList list;
    list.id = std::filesystem::path(dir).lexically_normal().filename().string();
    if (list.id.empty()) list.id = std::filesystem::path(dir).lexically_normal().parent_path().filename().string();
    list.source = dir;
    QZ_TRY(parse_ofac(files, &list));
    *out = std::move(list);
    return Status::ok();
  });
}

Status load_ofac_alias_only_dir(const std::string& dir, SanctionsList* out) {
  return guarded([&]() -> Status {
    OfacFiles files;
    QZ_TRY(read_ofac_files(dir, true, &files));
    SanctionsList list;
    list.id = std::filesystem::path(dir).lexically_normal().filename().string();
    if (list.id.empty()) list.id = std::filesystem::path(dir).lexically_normal().parent_path().filename().string();
    list.source = dir;
    QZ_TRY(parse_ofac_alias_only(files, &list));
    *out = std::move(list);
    return Status::ok();
  });
}

Status parse_un_xml(std::string_view xml, const std::string& file_name, SanctionsList* out) {
  return guarded([&]() -> Status {
    SanctionsList list;
    list.id = out->id;
    list.source = out->source;
    QZ_TRY(parse_un_impl(xml, file_name, &list));
    *out = std::move(list);
    return Status::ok();
  });
}

Status load_un_xml(const std::string& path, const std::string& list_id, SanctionsList* out) {
  return guarded([&]() -> Status {
    std::string text;
    QZ_TRY(read_file(path, &text));
    SanctionsList list;
    list.id = list_id;
    list.source = path;
    QZ_TRY(parse_un_xml(text, base_name(path), &list));
    *out = std::move(list);
    return Status::ok();
  });
}

Status parse_operator_csv(std::string_view text, const std::string& file_name, const std::string& list_id,
                          SanctionsList* out) {
  return guarded([&]() -> Status {
    SanctionsList list;
    list.id = list_id;
    list.source = out->source.empty() ? file_name : out->source;
    QZ_TRY(parse_operator_impl(text, file_name, &list));
    *out = std::move(list);
    return Status::ok();
  });
}

Status load_operator_csv(const std::string& path, const std::string& list_id, SanctionsList* out) {
  return guarded([&]() -> Status {
    std::string text;
    QZ_TRY(read_file(path, &text));
    SanctionsList list;
    list.source = path;
    QZ_TRY(parse_operator_csv(text, base_name(path), list_id, &list));
    *out = std::move(list);
    return Status::ok();
  });
}

Status load_directory(const std::string& dir, const DirectoryOptions& options, std::vector<SanctionsList>* out,
                      std::vector<std::string>* skipped) {
  return guarded([&]() -> Status {
    namespace fs = std::filesystem;
    std::error_code error;
    if (!fs::is_directory(dir, error)) return Status::error("lists directory " + dir + " does not exist");
    std::vector<SanctionsList> lists;
    std::vector<std::string> notes;

    const auto sorted_children = [](const fs::path& path, std::vector<fs::path>* children) -> Status {
      std::error_code list_error;
      fs::directory_iterator it(path, list_error);
      if (list_error) return Status::error("cannot list " + path.string() + ": " + list_error.message());
      for (const fs::directory_entry& child : it) children->push_back(child.path());
      std::sort(children->begin(), children->end());
      return Status::ok();
    };
    const auto stem = [](const fs::path& path) { return path.stem().string(); };

    // Files of one folder: *.xml as UN lists, *.csv as operator lists (id: the parent folder's name for a single
    // XML in a sub-folder, else the file stem).
    const auto load_files = [&](const fs::path& folder, bool top) -> Status {
      std::vector<fs::path> children;
      QZ_TRY(sorted_children(folder, &children));
      size_t xml_files = 0;
      for (const fs::path& child : children) xml_files += child.extension() == ".xml" ? 1 : 0;
      for (const fs::path& child : children) {
        if (!fs::is_regular_file(child, error)) continue;
        SanctionsList list;
        if (child.extension() == ".xml") {
          const std::string id = !top && xml_files == 1 ? folder.filename().string() : stem(child);
          QZ_TRY(load_un_xml(child.string(), id, &list));
          lists.push_back(std::move(list));
        } else if (child.extension() == ".csv") {
          QZ_TRY(load_operator_csv(child.string(), stem(child), &list));
          lists.push_back(std::move(list));
        }
      }
      return Status::ok();
    };

    std::vector<fs::path> children;
    QZ_TRY(sorted_children(dir, &children));
    QZ_TRY(load_files(dir, true));
    for (const fs::path& child : children) {
      if (!fs::is_directory(child, error)) continue;
      const bool primary = path_exists(child / "sdn.csv") || path_exists(child / "cons_prim.csv");
      const bool ofac = primary || path_exists(child / "alt.csv") || path_exists(child / "add.csv") ||
                        path_exists(child / "cons_alt.csv") || path_exists(child / "cons_add.csv");
      if (!ofac) {
        QZ_TRY(load_files(child, false));
        continue;
      }
      SanctionsList list;
      if (primary) {
        QZ_TRY(load_ofac_dir(child.string(), &list));
      } else if (options.alias_only_partial) {
        QZ_TRY(load_ofac_alias_only_dir(child.string(), &list));
      } else {
        notes.push_back(child.filename().string() +
                        ": OFAC alias and address files without a primary file; not loaded");
        continue;
      }
      lists.push_back(std::move(list));
    }
    std::sort(lists.begin(), lists.end(), [](const SanctionsList& a, const SanctionsList& b) { return a.id < b.id; });
    for (size_t i = 1; i < lists.size(); i++) {
      if (lists[i].id == lists[i - 1].id) {
        return Status::error("two lists are called " + lists[i].id + " (" + lists[i - 1].source + ", " +
                             lists[i].source + ")");
      }
    }
    *out = std::move(lists);
    if (skipped != nullptr) *skipped = std::move(notes);
    return Status::ok();
  });
}

}  // namespace qz::screening
