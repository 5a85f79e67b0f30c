// The screening index: every listed name as normalised tokens, the dictionary of distinct tokens with their
// phonetic and consonant keys and rarity weights, and the inverted indexes from which candidates come.
//
// Built once per set of lists and immutable afterwards, so any number of threads may query it. Per-query
// scratch (candidate accumulators) is thread-local. Scoring is described in docs/screening.md; the constants
// are at the top of index.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "screening/lists.h"
#include "screening/normalize.h"
#include "screening/screener.h"

namespace qz::screening::internal {

inline constexpr uint32_t kNone = UINT32_MAX;
inline constexpr size_t kMaxNameTokens = 24;   // longer names keep their first 24 tokens
inline constexpr size_t kMaxQueryTokens = 16;  // longer queries keep their first 16 tokens

// A multimap from 64-bit hashes to ids (open addressing, linear probing).
class HashTable {
 public:
  // `items` are (hash, id) pairs; duplicates are kept.
  void build(std::vector<std::pair<uint64_t, uint32_t>> items);
  // Appends the ids stored under `hash` to *out.
  void find(uint64_t hash, std::vector<uint32_t>* out) const;
  size_t size() const { return size_; }

 private:
  uint64_t mask_ = 0;
  size_t size_ = 0;
  std::vector<std::pair<uint64_t, uint32_t>> slots_;  // (hash, id); id kNone marks an empty slot
};

// Strings -> ids through a HashTable of their hashes; the caller's text_of(id) confirms a hit.
class StringIds {
 public:
  template <typename TextOf>
  void build(size_t count, TextOf&& text_of);
  template <typename TextOf>
  uint32_t find(std::string_view key, TextOf&& text_of) const;

 private:
  HashTable table_;
};

// One distinct token text: a single token or neighbouring tokens joined ("abughaith").
struct DictToken {
  std::string text;
  std::array<uint32_t, 2> phonetic = {kNone, kNone};  // key ids
  uint32_t skeleton = kNone;                          // key id
  std::string vowels;                                 // vowel_pattern(text)
  float weight = 0;                                   // rarity of its phonetic key (single tokens)
  bool arabic = false;                                // occurs in a name written in Arabic script
};

// A name position: a single token (length 1) or joined neighbours (length 2 or 3).
struct NameUnit {
  uint32_t token = kNone;
  uint8_t start = 0;
  uint8_t length = 1;
};

struct IndexedName {
  uint32_t entry = 0;  // into Index::entries()
  uint32_t name_in_entry = 0;
  NameKind kind = NameKind::primary;
  bool arabic = false;
  uint32_t units_begin = 0;  // into units_: token_count singles in order, then the joins
  uint16_t token_count = 0;
  uint16_t unit_count = 0;
};

struct EntryRef {
  uint32_t list = 0;   // index into the lists the index was built from
  uint32_t entry = 0;  // index into that list's entries
};

struct QueryToken {
  std::string text;
  TokenRole role = TokenRole::word;
  float weight = 0;
};

struct QueryUnit {
  std::string text;
  uint8_t start = 0;
  uint8_t length = 1;
  float weight = 0;  // of the tokens it covers
};

struct UnitMatch {
  uint32_t token = 0;  // dictionary token id
  uint16_t unit = 0;   // query unit
  MatchHow how = MatchHow::exact;
  float similarity = 0;
};

struct PreparedQuery {
  std::vector<QueryToken> tokens;
  uint64_t lookup_epoch = 0;         // identifies this query's per-thread token lookup (index.cpp)
  std::vector<QueryUnit> units;      // singles (one per token, in order), then joins
  std::vector<UnitMatch> matches;    // sorted by (token, unit)
  std::vector<std::string> ignored;  // honorifics and legal forms dropped from the query
  float total_weight = 0;
  float unindexed_weight = 0;  // weight no posting list can show (particles, initials)
  bool arabic = false;
};

// One aligned pair of a scored name.
struct AlignedPair {
  uint8_t query_start = 0, query_length = 1, name_start = 0, name_length = 1;
  MatchHow how = MatchHow::exact;
  float similarity = 0;
};

struct NameScore {
  float score = 0;        // 0..1, before evidence
  float query_cover = 0;  // weighted share of the query explained
  float name_cover = 0;   // weighted share of the listed name explained
  std::vector<AlignedPair> pairs;
};

class Index {
 public:
  // Normalises and indexes every name of `lists`. May throw std::bad_alloc (the caller guards).
  [[nodiscard]] Status build(const std::vector<SanctionsList>& lists);

  // Looks up every query token (and joined neighbours) in the dictionary.
  void prepare(const NormalizedName& name, PreparedQuery* out) const;

  // Names whose indexed matches could give a score of at least `score_floor` (0..1), sorted by id.
  void candidates(const PreparedQuery& query, float score_floor, std::vector<uint32_t>* out) const;

  // Aligns and scores one name; pairs are filled only when `explain`.
  NameScore score_name(const PreparedQuery& query, uint32_t name_id, bool explain) const;

  const std::vector<IndexedName>& names() const { return names_; }
  const std::vector<EntryRef>& entries() const { return entries_; }
  // The names of entry `entry` (ids into names()).
  std::pair<uint32_t, uint32_t> entry_names(uint32_t entry) const { return entry_names_[entry]; }
  const NameUnit* units(const IndexedName& name) const { return &units_[name.units_begin]; }
  const DictToken& token(uint32_t id) const { return dictionary_[id]; }
  size_t distinct_tokens() const { return single_tokens_; }
  size_t joined_tokens() const { return dictionary_.size() - single_tokens_; }
  // The weight a name token carries in name coverage.
  float name_token_weight(const IndexedName& name, size_t position) const;

 private:
  uint32_t intern(const std::string& text, bool arabic);
  uint32_t key_id(std::unordered_map<std::string, uint32_t>* keys, const std::string& key);
  float idf(uint32_t document_frequency) const;
  void add_matches(uint16_t unit, const std::string& text, const TokenKeys& keys, bool single, bool arabic_query,
                   std::vector<UnitMatch>* out) const;
  uint32_t find_token(std::string_view text) const;
  uint32_t find_phonetic(std::string_view key) const;

  std::vector<DictToken> dictionary_;
  size_t single_tokens_ = 0;
  // Interning maps, used while building; lookups go through the StringIds below.
  std::unordered_map<std::string, uint32_t> token_ids_;
  std::unordered_map<std::string, uint32_t> phonetic_ids_;
  std::unordered_map<std::string, uint32_t> skeleton_ids_;
  StringIds token_lookup_, phonetic_lookup_, skeleton_lookup_, loose_lookup_;
  std::vector<std::string> phonetic_text_;              // key id -> key
  std::vector<uint32_t> phonetic_df_;                   // names holding the key as a single token
  std::vector<std::vector<uint32_t>> phonetic_tokens_;  // key id -> dictionary tokens
  std::vector<std::string> skeleton_text_;              // key id -> key
  std::vector<std::vector<uint32_t>> skeleton_tokens_;  // key id -> dictionary tokens
  std::vector<std::vector<uint32_t>> skeleton_arabic_;  // key id -> tokens from Arabic-script names
  HashTable deletions_;                                 // hash of a single token or of a one-deletion of it -> token
  HashTable two_deletions_;                             // hash of a two-deletion of a long single token -> token
  HashTable key_deletions_;                             // the same over phonetic keys (6+ symbols) -> key id
  std::unordered_map<std::string, uint32_t> loose_skeleton_ids_;  // skeleton without h -> key id
  std::vector<std::string> loose_skeleton_text_;
  std::vector<std::vector<uint32_t>> loose_skeleton_tokens_;  // key id -> dictionary tokens
  std::vector<float> bound_weight_;                           // token -> most weight it covers in a name
  std::vector<uint32_t> posting_begin_;                       // token -> [begin, begin') into postings_
  std::vector<uint32_t> postings_;                            // name ids
  std::vector<NameUnit> units_;
  std::vector<TokenRole> roles_;  // per single unit, parallel to units_ (joins: word)
  std::vector<IndexedName> names_;
  std::vector<float> name_total_;  // name -> sum of its token weights
  std::vector<EntryRef> entries_;
  std::vector<std::pair<uint32_t, uint32_t>> entry_names_;  // entry -> [first, last) name ids
  float name_count_ = 0;
};

}  // namespace qz::screening::internal
