// libFuzzer target: the CSV list parsers (screening/internal/csv.h, screening/lists.h).
//
// Input: the first byte picks the parser (byte % 4); the rest is the text. For the OFAC set, bytes 0xFF split
// the text into sdn.csv, alt.csv, add.csv and sdn_comments.csv.
//   0  CsvReader: on success, writing the records back (every field quoted, CRLF) and reading them again gives
//      the same records; on failure, the message names the file and a line.
//   1  parse_ofac, 2  parse_ofac_alias_only, 3  parse_operator_csv: never crash; on failure the output list is
//      untouched (a list is never half loaded) and the message names a file and line; on success every entry
//      has a unique, non-empty uid and at least one non-empty name, date ranges are ordered, countries are
//      two-letter codes, and the counts add up.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "screening/internal/csv.h"
#include "screening/lists.h"

namespace {

using qz::screening::SanctionsList;

std::string quote_all(const std::vector<std::vector<std::string>>& records) {
  std::string out;
  for (const std::vector<std::string>& record : records) {
    for (size_t i = 0; i < record.size(); i++) {
      if (i > 0) out.push_back(',');
      out.push_back('"');
      for (char c : record[i]) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
      }
      out.push_back('"');
    }
    out += "\r\n";
  }
  return out;
}

std::vector<std::vector<std::string>> read_records(std::string_view text, qz::Status* status) {
  qz::screening::internal::CsvReader reader(text, "f.csv");
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  size_t line = 0;
  size_t last_line = 0;
  while (reader.next(&fields, &line)) {
    QZ_ASSERT(line > last_line);
    QZ_ASSERT(!fields.empty());
    last_line = line;
    records.push_back(fields);
  }
  *status = reader.status();
  return records;
}

void check_list(const qz::Status& status, const SanctionsList& list) {
  if (!status.is_ok()) {
    QZ_ASSERT(!status.message().empty());
    QZ_ASSERT(status.message().find(".csv:") != std::string::npos || status.message().rfind("screening: ", 0) == 0);
    QZ_ASSERT(list.entries.empty());  // untouched: it was empty before
    QZ_ASSERT(list.id == "fuzz");
    return;
  }
  QZ_ASSERT(list.id == "fuzz");
  std::set<std::string> uids;
  size_t names = 0;
  for (const qz::screening::ListEntry& entry : list.entries) {
    QZ_ASSERT(!entry.uid.empty());
    QZ_ASSERT(uids.insert(entry.uid).second);
    QZ_ASSERT(!entry.names.empty());
    for (const qz::screening::EntryName& name : entry.names) QZ_ASSERT(!name.text.empty());
    names += entry.names.size();
    for (const qz::screening::DateRange& range : entry.birth_dates) QZ_ASSERT(range.from <= range.to);
    for (const std::string& country : entry.countries) {
      QZ_ASSERT(country.size() == 2 && country[0] >= 'A' && country[0] <= 'Z' && country[1] >= 'A' &&
                country[1] <= 'Z');
    }
  }
  const qz::screening::ListCounts counts = qz::screening::count_list(list);
  QZ_ASSERT(counts.entries == list.entries.size());
  QZ_ASSERT(counts.names == names);
  QZ_ASSERT(counts.individuals + counts.organisations == counts.entries);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 4;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  if (mode == 0) {
    qz::Status status = qz::Status::ok();
    const std::vector<std::vector<std::string>> records = read_records(text, &status);
    if (!status.is_ok()) {
      QZ_ASSERT(status.message().rfind("f.csv:", 0) == 0);
      return 0;
    }
    const std::string written = quote_all(records);
    qz::Status again_status = qz::Status::ok();
    const std::vector<std::vector<std::string>> again = read_records(written, &again_status);
    QZ_ASSERT(again_status.is_ok());
    QZ_ASSERT(again == records);
    return 0;
  }

  SanctionsList list;
  list.id = "fuzz";
  qz::Status status = qz::Status::ok();
  if (mode == 3) {
    status = qz::screening::parse_operator_csv(text, "f.csv", "fuzz", &list);
  } else {
    qz::screening::OfacFiles files;
    std::string* parts[] = {&files.primary, &files.aliases, &files.addresses, &files.comments};
    size_t part = 0;
    for (char c : text) {
      if (static_cast<uint8_t>(c) == 0xFF && part < 3) {
        part++;
      } else {
        parts[part]->push_back(c);
      }
    }
    status = mode == 1 ? qz::screening::parse_ofac(files, &list) : qz::screening::parse_ofac_alias_only(files, &list);
  }
  check_list(status, list);
  return 0;
}
