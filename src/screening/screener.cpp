#include "screening/screener.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <unordered_map>
#include <utility>

#include "screening/internal/countries.h"
#include "screening/internal/guarded.h"
#include "screening/internal/index.h"

namespace qz::screening {

using internal::guarded;

namespace {

// Evidence adjustments, in score points (docs/screening.md, "Evidence").
constexpr int kDobMatch = 5;
constexpr int kDobMismatch = -15;  // more than a year away from every listed date
constexpr int kCountryMatch = 3;
constexpr int kCountryMismatch = -5;


std::string format_date(int32_t yyyymmdd) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
  return text;
}

std::string format_range(const DateRange& range) {
  if (range.from == range.to) return format_date(range.from);
  if (range.from % 10000 == 101 && range.to % 10000 == 1231) {
    const int first = range.from / 10000;
    const int last = range.to / 10000;
    return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
  }
  return format_date(range.from) + ".." + format_date(range.to);
}

// Years between two ranges (0 when they overlap).
int32_t year_gap(const DateRange& a, const DateRange& b) {
  if (a.to < b.from) return (b.from / 10000) - (a.to / 10000);
  if (b.to < a.from) return (a.from / 10000) - (b.to / 10000);
  return 0;
}

struct ParsedQuery {
  internal::PreparedQuery prepared;
  bool have_dob = false;
  DateRange dob;
  std::string country;  // ISO code or ""
};

}  // namespace

struct Screener::Snapshot {
  std::vector<SanctionsList> lists;
  internal::Index index;
  std::map<std::string, uint32_t> list_index;                   // id -> position in lists
  std::vector<std::unordered_map<std::string, uint32_t>> uids;  // per list: uid -> entry
  std::vector<uint32_t> entry_base;                             // per list: its first global entry index
};

const char* match_how_name(MatchHow how) {
  switch (how) {
    case MatchHow::exact: return "exact";
    case MatchHow::phonetic: return "phonetic";
    case MatchHow::consonants: return "consonants";
    case MatchHow::typo: return "typo";
    case MatchHow::initial: return "initial";
  }
  return "unknown";
}

ListDiff diff_lists(const SanctionsList& before, const SanctionsList& after) {
  ListDiff diff;
  diff.list_id = after.id.empty() ? before.id : after.id;
  std::map<std::string, Hash256> old_digest;
  for (const ListEntry& entry : before.entries) old_digest.emplace(entry.uid, entry.digest());
  std::map<std::string, bool> seen;
  for (const ListEntry& entry : after.entries) {
    const auto found = old_digest.find(entry.uid);
    if (found == old_digest.end()) {
      diff.added.push_back(entry.uid);
    } else if (!(found->second == entry.digest())) {
      diff.modified.push_back(entry.uid);
    }
    seen.emplace(entry.uid, true);
  }
  for (const auto& [uid, digest] : old_digest) {
    if (seen.count(uid) == 0) diff.removed.push_back(uid);
  }
  std::sort(diff.added.begin(), diff.added.end());
  std::sort(diff.modified.begin(), diff.modified.end());
  return diff;
}

Screener::Screener() : snapshot_(std::make_shared<Snapshot>()) {}
Screener::~Screener() = default;

std::shared_ptr<const Screener::Snapshot> Screener::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return snapshot_;
}

Status Screener::install(std::vector<SanctionsList> lists) {
  auto snapshot = std::make_shared<Snapshot>();
  std::sort(lists.begin(), lists.end(), [](const SanctionsList& a, const SanctionsList& b) { return a.id < b.id; });
  uint32_t base = 0;
  for (uint32_t i = 0; i < lists.size(); i++) {
    if (lists[i].id.empty()) return Status::error("a list without an id");
    if (!snapshot->list_index.emplace(lists[i].id, i).second)
      return Status::error("two lists are called " + lists[i].id);
    std::unordered_map<std::string, uint32_t> uids;
    for (uint32_t e = 0; e < lists[i].entries.size(); e++) {
      if (!uids.emplace(lists[i].entries[e].uid, e).second) {
        return Status::error("list " + lists[i].id + ": uid " + lists[i].entries[e].uid + " appears twice");
      }
    }
    snapshot->uids.push_back(std::move(uids));
    snapshot->entry_base.push_back(base);
    base += static_cast<uint32_t>(lists[i].entries.size());
  }
  QZ_TRY(snapshot->index.build(lists));
  snapshot->lists = std::move(lists);
  std::lock_guard<std::mutex> lock(mutex_);
  snapshot_ = std::move(snapshot);
  return Status::ok();
}

Status Screener::load(std::vector<SanctionsList> lists) {
  return guarded([&]() -> Status {
    std::lock_guard<std::mutex> writer(writer_mutex_);
    return install(std::move(lists));
  });
}

Status Screener::replace_list(SanctionsList list, ListDiff* diff) {
  return guarded([&]() -> Status {
    std::lock_guard<std::mutex> writer(writer_mutex_);
    const std::shared_ptr<const Snapshot> old = current();
    std::vector<SanctionsList> lists;
    SanctionsList empty;
    empty.id = list.id;
    const SanctionsList* before = &empty;
    for (const SanctionsList& existing : old->lists) {
      if (existing.id == list.id) {
        before = &existing;
      } else {
        lists.push_back(existing);
      }
    }
    ListDiff changes = diff_lists(*before, list);
    lists.push_back(std::move(list));
    QZ_TRY(install(std::move(lists)));
    *diff = std::move(changes);
    return Status::ok();
  });
}

Status Screener::remove_list(const std::string& list_id, ListDiff* diff) {
  return guarded([&]() -> Status {
    std::lock_guard<std::mutex> writer(writer_mutex_);
    const std::shared_ptr<const Snapshot> old = current();
    std::vector<SanctionsList> lists;
    const SanctionsList* removed = nullptr;
    for (const SanctionsList& existing : old->lists) {
      if (existing.id == list_id) {
        removed = &existing;
      } else {
        lists.push_back(existing);
      }
    }
    if (removed == nullptr) return Status::error("no list is called " + list_id);
    SanctionsList empty;
    empty.id = list_id;
    ListDiff changes = diff_lists(*removed, empty);
    QZ_TRY(install(std::move(lists)));
    *diff = std::move(changes);
    return Status::ok();
  });
}

std::vector<ListSummary> Screener::lists() const {
  std::vector<ListSummary> out;
  try {
    const std::shared_ptr<const Snapshot> snapshot = current();
    for (const SanctionsList& list : snapshot->lists) {
      out.push_back(
          ListSummary{.id = list.id, .format = list.format, .source = list.source, .counts = count_list(list)});
    }
  } catch (...) {
    out.clear();
  }
  return out;
}

IndexStats Screener::stats() const {
  const std::shared_ptr<const Snapshot> snapshot = current();
  IndexStats stats;
  stats.lists = snapshot->lists.size();
  stats.entries = snapshot->index.entries().size();
  stats.names = snapshot->index.names().size();
  stats.distinct_tokens = snapshot->index.distinct_tokens();
  stats.joined_tokens = snapshot->index.joined_tokens();
  return stats;
}

namespace {

Status parse_query(const internal::Index& index, const Query& query, ParsedQuery* out) {
  if (!query.dob.empty() && !parse_iso_date_range(query.dob, &out->dob)) {
    return Status::error("date of birth '" + query.dob + "' is not YYYY-MM-DD, YYYY-MM or YYYY");
  }
  out->have_dob = !query.dob.empty();
  if (!query.country.empty()) {
    out->country = internal::country_code(query.country);
    if (out->country.empty()) return Status::error("unknown country '" + query.country + "'");
  }
  NormalizedName normalized;
  QZ_TRY(normalize_name(query.name, &normalized));
  if (normalized.tokens.empty()) return Status::error("the name has no letters or digits to screen");
  index.prepare(normalized, &out->prepared);
  return Status::ok();
}

// Date of birth and country findings for one entry, and their effect in score points.
int evidence(const ParsedQuery& query, const ListEntry& entry, std::vector<std::string>* notes) {
  int adjust = 0;
  if (query.have_dob && !entry.birth_dates.empty()) {
    int32_t best_gap = INT32_MAX;
    const DateRange* closest = &entry.birth_dates.front();
    for (const DateRange& range : entry.birth_dates) {
      const int32_t gap = year_gap(query.dob, range);
      if (gap < best_gap) {
        best_gap = gap;
        closest = &range;
      }
    }
    const std::string listed = format_range(*closest);
    if (best_gap == 0) {
      adjust += kDobMatch;
      notes->push_back("date of birth " + format_range(query.dob) + " matches listed " + listed + " (+" +
                       std::to_string(kDobMatch) + ")");
    } else if (best_gap <= 1) {
      notes->push_back("date of birth " + format_range(query.dob) + " is within a year of listed " + listed + " (0)");
    } else {
      adjust += kDobMismatch;
      notes->push_back("date of birth " + format_range(query.dob) + " differs from listed " + listed + " (" +
                       std::to_string(kDobMismatch) + ")");
    }
  }
  if (!query.country.empty() && !entry.countries.empty()) {
    std::string listed;
    for (const std::string& code : entry.countries) listed += (listed.empty() ? "" : ", ") + code;
    if (std::binary_search(entry.countries.begin(), entry.countries.end(), query.country)) {
      adjust += kCountryMatch;
      notes->push_back("country " + query.country + " among listed " + listed + " (+" + std::to_string(kCountryMatch) +
                       ")");
    } else {
      adjust += kCountryMismatch;
      notes->push_back("country " + query.country + " not among listed " + listed + " (" +
                       std::to_string(kCountryMismatch) + ")");
    }
  }
  return adjust;
}

uint32_t to_points(float score) {
  const long points = std::lround(static_cast<double>(score) * 100.0);
  return static_cast<uint32_t>(std::clamp(points, 0L, 100L));
}

std::string join_tokens(const std::vector<std::string>& tokens, size_t start, size_t length) {
  std::string out;
  for (size_t k = start; k < start + length && k < tokens.size(); k++) {
    if (!out.empty()) out.push_back('+');
    out += tokens[k];
  }
  return out;
}

// Builds the hit of entry `entry` (global index) whose best name is `name_id`.
Hit make_hit(const Screener::Snapshot& snapshot, const ParsedQuery& query, uint32_t name_id, int adjust,
             std::vector<std::string> notes) {
  const internal::Index& index = snapshot.index;
  const internal::IndexedName& name = index.names()[name_id];
  const internal::EntryRef ref = index.entries()[name.entry];
  const SanctionsList& list = snapshot.lists[ref.list];
  const ListEntry& entry = list.entries[ref.entry];
  const internal::NameScore scored = index.score_name(query.prepared, name_id, true);

  Hit hit;
  hit.list_id = list.id;
  hit.uid = entry.uid;
  hit.type = entry.type;
  hit.name_score = to_points(scored.score);
  hit.score = static_cast<uint32_t>(std::clamp(static_cast<int>(hit.name_score) + adjust, 0, 100));
  hit.matched_name = entry.names[name.name_in_entry].text;
  hit.matched_kind = name.kind;
  for (const EntryName& candidate : entry.names) {
    if (candidate.kind == NameKind::primary) {
      hit.primary_name = candidate.text;
      break;
    }
  }
  std::vector<std::string> query_tokens;
  for (const internal::QueryToken& token : query.prepared.tokens) query_tokens.push_back(token.text);
  std::vector<std::string> name_tokens;
  const internal::NameUnit* units = index.units(name);
  for (size_t j = 0; j < name.token_count; j++) name_tokens.push_back(index.token(units[j].token).text);
  std::vector<bool> query_used(query_tokens.size(), false);
  std::vector<bool> name_used(name_tokens.size(), false);
  for (const internal::AlignedPair& pair : scored.pairs) {
    hit.tokens.push_back(TokenMatch{.query = join_tokens(query_tokens, pair.query_start, pair.query_length),
                                    .listed = join_tokens(name_tokens, pair.name_start, pair.name_length),
                                    .how = pair.how,
                                    .similarity = to_points(pair.similarity)});
    for (size_t k = 0; k < pair.query_length; k++) query_used[pair.query_start + k] = true;
    for (size_t k = 0; k < pair.name_length; k++) name_used[pair.name_start + k] = true;
  }
  for (size_t i = 0; i < query_tokens.size(); i++) {
    if (!query_used[i]) hit.unmatched_query.push_back(query_tokens[i]);
  }
  for (size_t j = 0; j < name_tokens.size(); j++) {
    if (!name_used[j]) hit.unmatched_listed.push_back(name_tokens[j]);
  }
  hit.evidence = std::move(notes);
  return hit;
}

void rank(std::vector<Hit>* hits, size_t max_hits) {
  std::sort(hits->begin(), hits->end(), [](const Hit& a, const Hit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.name_score != b.name_score) return a.name_score > b.name_score;
    if (a.list_id != b.list_id) return a.list_id < b.list_id;
    return a.uid < b.uid;
  });
  if (hits->size() > max_hits) hits->resize(max_hits);
}

// Scores the names [first, last) of one entry (global index `entry`) and appends its hit if it reaches the
// threshold. `names` are the candidate name ids of that entry.
void consider_entry(const Screener::Snapshot& snapshot, const ParsedQuery& query, const ScreenOptions& options,
                    uint32_t entry, const uint32_t* names, size_t count, std::vector<Hit>* hits) {
  const internal::Index& index = snapshot.index;
  float best = -1;
  uint32_t best_name = 0;
  for (size_t k = 0; k < count; k++) {
    const float score = index.score_name(query.prepared, names[k], false).score;
    if (score > best) {
      best = score;
      best_name = names[k];
    }
  }
  if (best <= 0) return;
  const internal::EntryRef ref = index.entries()[entry];
  std::vector<std::string> notes;
  const int adjust = evidence(query, snapshot.lists[ref.list].entries[ref.entry], &notes);
  const int points = static_cast<int>(to_points(best)) + adjust;
  if (points < static_cast<int>(options.threshold)) return;
  hits->push_back(make_hit(snapshot, query, best_name, adjust, std::move(notes)));
}

}  // namespace

Status Screener::screen(const Query& query, const ScreenOptions& options, std::vector<Hit>* hits) const {
  return guarded([&]() -> Status {
    hits->clear();
    const std::shared_ptr<const Snapshot> snapshot = current();
    const internal::Index& index = snapshot->index;
    ParsedQuery parsed;
    QZ_TRY(parse_query(index, query, &parsed));

    // Evidence can add at most kMaxBonus (nothing without a dob or country), so names scoring below threshold -
    // bonus cannot reach it.
    const float bonus = (parsed.have_dob ? static_cast<float>(kDobMatch) / 100.0f : 0.0f) +
                        (parsed.country.empty() ? 0.0f : static_cast<float>(kCountryMatch) / 100.0f);
    const float floor = std::max(0.0f, static_cast<float>(options.threshold) / 100.0f - bonus - 0.005f);
    std::vector<uint32_t> candidates;
    index.candidates(parsed.prepared, floor, &candidates);

    // Names of one entry are consecutive ids, so candidates come grouped by entry.
    size_t i = 0;
    while (i < candidates.size()) {
      const uint32_t entry = index.names()[candidates[i]].entry;
      size_t j = i;
      while (j < candidates.size() && index.names()[candidates[j]].entry == entry) j++;
      consider_entry(*snapshot, parsed, options, entry, &candidates[i], j - i, hits);
      i = j;
    }
    rank(hits, options.max_hits);
    return Status::ok();
  });
}

Status Screener::screen_entries(const Query& query, const std::string& list_id, const std::vector<std::string>& uids,
                                const ScreenOptions& options, std::vector<Hit>* hits) const {
  return guarded([&]() -> Status {
    hits->clear();
    const std::shared_ptr<const Snapshot> snapshot = current();
    const auto list = snapshot->list_index.find(list_id);
    if (list == snapshot->list_index.end()) return Status::error("no list is called " + list_id);
    const internal::Index& index = snapshot->index;
    ParsedQuery parsed;
    QZ_TRY(parse_query(index, query, &parsed));
    std::vector<uint32_t> entries;
    for (const std::string& uid : uids) {
      const auto found = snapshot->uids[list->second].find(uid);
      if (found != snapshot->uids[list->second].end())
        entries.push_back(snapshot->entry_base[list->second] + found->second);
    }
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    std::vector<uint32_t> names;
    for (uint32_t entry : entries) {
      const auto [first, last] = index.entry_names(entry);
      names.clear();
      for (uint32_t name = first; name < last; name++) names.push_back(name);
      consider_entry(*snapshot, parsed, options, entry, names.data(), names.size(), hits);
    }
    rank(hits, options.max_hits);
    return Status::ok();
  });
}

}  // namespace qz::screening
