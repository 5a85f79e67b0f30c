// Screener: screens a name (with optional date of birth and country) against the loaded lists and explains
// every hit. Method, scoring and measured accuracy are in docs/screening.md.
//
// Candidates come from inverted indexes over the lists' name tokens (exact token, phonetic key, consonant
// skeleton, one-deletion neighbourhoods for typos, joined neighbouring tokens), never from a scan of the lists.
// Each candidate name is aligned token by token with the query; its score (0-100) combines how much of the
// query and how much of the listed name the aligned tokens cover, weighted by how rare each token is, then date
// of birth and country adjust it when both sides know them.
//
// Thread rules: screen() and screen_entries() may run on any number of threads at once, also while load(),
// replace_list() or remove_list() runs on another; a screening sees either the old or the new lists, never a
// mix. Results are deterministic: the same lists and query give the same hits in the same order (ties by list id
// and uid). No exception leaves this API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "screening/lists.h"

namespace qz::screening {

// The alert threshold measured on the public evaluation set (docs/screening.md): a hit at or above it holds
// the client or payment for review.
inline constexpr uint32_t kDefaultThreshold = 76;

enum class MatchHow : uint8_t {
  exact = 0,       // same normalised token
  phonetic = 1,    // same phonetic key (a variant romanisation)
  consonants = 2,  // same consonant skeleton (a name written in Arabic script)
  typo = 3,        // within edit distance 1 (2 for long tokens) of the token or its phonetic key
  initial = 4,     // a single letter against a token starting with it
};
const char* match_how_name(MatchHow how);  // "exact", "phonetic", "consonants", "typo", "initial"

struct TokenMatch {
  std::string query;   // normalised query token(s); neighbours joined into one word are written "abu+ghaith"
  std::string listed;  // normalised list token(s), the same way
  MatchHow how = MatchHow::exact;
  uint32_t similarity = 0;  // percent
};

struct Hit {
  std::string list_id;
  std::string uid;
  EntryType type = EntryType::individual;
  uint32_t score = 0;        // 0-100, name score adjusted by evidence
  uint32_t name_score = 0;   // 0-100, the name alone
  std::string matched_name;  // the listed name that matched best, as published
  NameKind matched_kind = NameKind::primary;
  std::string primary_name;                   // the entry's primary name ("" for alias-only entries)
  std::vector<TokenMatch> tokens;             // aligned pairs, in query order
  std::vector<std::string> unmatched_query;   // query tokens without a partner
  std::vector<std::string> unmatched_listed;  // listed-name tokens without a partner
  std::vector<std::string> evidence;          // date of birth and country findings, with their effect
};

struct Query {
  std::string name;     // any script
  std::string dob;      // "YYYY-MM-DD", "YYYY-MM", "YYYY" or ""
  std::string country;  // ISO 3166-1 alpha-2 or an English country name, or ""
};

struct ScreenOptions {
  uint32_t threshold = kDefaultThreshold;  // hits scoring below are not returned
  size_t max_hits = 20;
};

struct ListSummary {
  std::string id, format, source;
  ListCounts counts;
};

// What changed between two versions of a list, by uid: modified = same uid, different content.
struct ListDiff {
  std::string list_id;
  std::vector<std::string> added, removed, modified;  // sorted
  bool empty() const { return added.empty() && removed.empty() && modified.empty(); }
};
ListDiff diff_lists(const SanctionsList& before, const SanctionsList& after);

struct IndexStats {
  size_t lists = 0, entries = 0, names = 0, distinct_tokens = 0, joined_tokens = 0;
};

class Screener {
 public:
  Screener();
  ~Screener();
  Screener(const Screener&) = delete;
  Screener& operator=(const Screener&) = delete;

  // Replaces all lists. List ids must be distinct. On error the previous lists stay in force.
  [[nodiscard]] Status load(std::vector<SanctionsList> lists);
  // Adds a list, or replaces the list with the same id, and reports which entries changed (for rescreening
  // clients against only those, with screen_entries). On error nothing changes.
  [[nodiscard]] Status replace_list(SanctionsList list, ListDiff* diff);
  // Removes a list; *diff lists all its entries as removed. Error when no list has this id.
  [[nodiscard]] Status remove_list(const std::string& list_id, ListDiff* diff);

  // Ranked hits at or above options.threshold, best first. Fails on an unusable query (no letters or digits,
  // malformed dob or unknown country).
  [[nodiscard]] Status screen(const Query& query, const ScreenOptions& options, std::vector<Hit>* hits) const;
  // The same scoring against only the given entries of one list (uids not in the list are ignored).
  [[nodiscard]] Status screen_entries(const Query& query, const std::string& list_id,
                                      const std::vector<std::string>& uids, const ScreenOptions& options,
                                      std::vector<Hit>* hits) const;

  std::vector<ListSummary> lists() const;
  IndexStats stats() const;

  struct Snapshot;  // lists + index, immutable once built (screener.cpp)

 private:
  std::shared_ptr<const Snapshot> current() const;
  [[nodiscard]] Status install(std::vector<SanctionsList> lists);

  mutable std::mutex mutex_;  // guards snapshot_ (the pointer, not what it points to) and serialises writers
  std::mutex writer_mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace qz::screening
