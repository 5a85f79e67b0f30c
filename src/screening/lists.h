// Sanctions and PEP lists: the entry model and the loaders (formats in docs/screening.md).
//
// Loaders read OFAC's legacy CSV sets (SDN: sdn/alt/add/sdn_comments.csv; consolidated non-SDN:
// cons_prim/cons_alt/cons_add/cons_comments.csv), the UN Security Council consolidated XML, and the operator CSV
// for national and PEP lists. Each returns a Status that names the file and line of the first problem; a list
// is loaded whole or not at all (on error the output list is left empty). No exception leaves this API.
//
// An entry's `uid` is the publisher's identifier (OFAC ent_num, UN reference number, operator uid); it is unique
// within its list, and (list id, uid) is unique in a ListSet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"

namespace qz::screening {

enum class EntryType : uint8_t { individual = 0, entity = 1, vessel = 2, aircraft = 3 };
const char* entry_type_name(EntryType type);  // "individual", "entity", "vessel", "aircraft"

// How a name belongs to its entry. Weak aliases (OFAC's a.k.a.s in Remarks, UN Low-quality aliases) count for
// recall but weigh less in scoring.
enum class NameKind : uint8_t { primary = 0, alias = 1, weak_alias = 2, original_script = 3 };
const char* name_kind_name(NameKind kind);  // "primary", "alias", "weak alias", "original script"

struct EntryName {
  std::string text;  // as published, UTF-8
  NameKind kind = NameKind::primary;
  friend bool operator==(const EntryName&, const EntryName&) = default;
};

// Inclusive range of dates written yyyymmdd ("DOB 1958" is 19580101-19581231).
struct DateRange {
  int32_t from = 0;
  int32_t to = 0;
  friend bool operator==(const DateRange&, const DateRange&) = default;
};

struct ListEntry {
  std::string uid;
  EntryType type = EntryType::individual;
  std::vector<EntryName> names;  // primary first (alias-only entries have none)
  std::vector<DateRange> birth_dates;
  std::vector<std::string> countries;  // ISO 3166-1 alpha-2: nationality, citizenship, birth place, addresses
  std::vector<std::string> programs;   // OFAC programs, UN list type, operator list label
  std::string remarks;                 // OFAC Remarks (joined with the comments file), UN COMMENTS1

  // SHA-256 over every field above: two entries with the same uid and digest are the same.
  Hash256 digest() const;
  friend bool operator==(const ListEntry&, const ListEntry&) = default;
};

struct SanctionsList {
  std::string id;                  // e.g. "ofac_sdn_2021-07" (the folder name) or an operator file's stem
  std::string format;              // "ofac_sdn", "ofac_cons", "ofac_alias_only", "un_xml", "operator_csv"
  std::string source;              // the file or folder it was read from
  std::vector<ListEntry> entries;  // in file order; uids unique
};

struct ListCounts {
  size_t entries = 0;
  size_t individuals = 0;
  size_t organisations = 0;  // entities, vessels and aircraft
  size_t names = 0;          // every name: primary, aliases, weak aliases, original script
  size_t aliases = 0;        // strong aliases
  size_t weak_aliases = 0;
  size_t original_script = 0;
};
ListCounts count_list(const SanctionsList& list);

// ---- OFAC legacy CSV -------------------------------------------------------------------------------------

// The four files of one OFAC set, as bytes (read as Latin-1). `primary` is sdn.csv or cons_prim.csv; the others
// may be empty. Names label error messages.
struct OfacFiles {
  std::string primary, aliases, addresses, comments;
  std::string primary_name = "sdn.csv", aliases_name = "alt.csv", addresses_name = "add.csv",
              comments_name = "sdn_comments.csv";
};
[[nodiscard]] Status parse_ofac(const OfacFiles& files, SanctionsList* out);

// Alias-only use of an OFAC set whose primary file is missing (ofac_sdn_2025-12_partial): every ent_num of the
// alias file becomes an entry whose names are its aliases; addresses give countries. Never joined with another
// publication's primary file.
[[nodiscard]] Status parse_ofac_alias_only(const OfacFiles& files, SanctionsList* out);

// Reads DIR/sdn.csv etc. (or DIR/cons_prim.csv etc. when that exists). The list id is the folder name.
[[nodiscard]] Status load_ofac_dir(const std::string& dir, SanctionsList* out);
[[nodiscard]] Status load_ofac_alias_only_dir(const std::string& dir, SanctionsList* out);

// ---- UN consolidated XML ---------------------------------------------------------------------------------

[[nodiscard]] Status parse_un_xml(std::string_view xml, const std::string& file_name, SanctionsList* out);
[[nodiscard]] Status load_un_xml(const std::string& path, const std::string& list_id, SanctionsList* out);

// ---- Operator CSV (national and PEP lists) -----------------------------------------------------------------

// UTF-8 CSV with a header row naming its columns (any order): uid and name required; type, dob, country,
// aliases, weak_aliases, list optional. Several values in one cell are separated by ';'. See docs/screening.md.
[[nodiscard]] Status parse_operator_csv(std::string_view text, const std::string& file_name, const std::string& list_id,
                                        SanctionsList* out);
[[nodiscard]] Status load_operator_csv(const std::string& path, const std::string& list_id, SanctionsList* out);

// ---- A directory of lists --------------------------------------------------------------------------------

struct DirectoryOptions {
  // Folders with OFAC alias/address files but no primary file are skipped unless this is set; then they load
  // with parse_ofac_alias_only.
  bool alias_only_partial = false;
};

// Loads every list under DIR: each sub-folder holding an OFAC set, each *.xml file (UN format) in DIR or a
// sub-folder, and each other *.csv file in DIR or a sub-folder as an operator list. Lists come back sorted by id.
// `skipped` (optional) receives one line per folder or file that was not loaded and why.
[[nodiscard]] Status load_directory(const std::string& dir, const DirectoryOptions& options,
                                    std::vector<SanctionsList>* out, std::vector<std::string>* skipped = nullptr);

// Reads a whole file.
[[nodiscard]] Status read_file(const std::string& path, std::string* out);

// Parses "YYYY", "YYYY-MM" or "YYYY-MM-DD" into a range; false on anything else (or an impossible date).
[[nodiscard]] bool parse_iso_date_range(std::string_view text, DateRange* out);

}  // namespace qz::screening
