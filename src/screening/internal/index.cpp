#include "screening/internal/index.h"

#include <algorithm>
#include <cmath>

namespace qz::screening::internal {

namespace {

// Token similarities by how two tokens met (docs/screening.md, "Scoring").
constexpr float kPhonetic = 0.92f;        // same phonetic key, compatible vowels (Mohammed / Muhammad)
constexpr float kPhoneticVowels = 0.84f;  // same phonetic key, other vowels (Hassan / Hussein)
// Arabic script writes no short vowels, so equal consonants are all it can show: as good as a phonetic match.
constexpr float kConsonants = 0.92f;      // consonant skeletons of 3+ letters
constexpr float kConsonantsTwo = 0.88f;   // of 2 letters
constexpr float kConsonantsOne = 0.75f;   // of 1 letter, Arabic-script query against a short token
constexpr float kConsonantsTypo = 0.78f;  // skeletons equal but for h, Arabic-script query
constexpr float kTypoCap = 0.88f;         // a typo: 1 - distance / length, at most this
constexpr float kKeyTypo = 0.75f;         // phonetic keys one edit apart
constexpr size_t kMinKeyTypoLength = 6;
constexpr float kGenderEnding = 0.60f;  // Kozlov / Kozlova: a different person as often as not
constexpr float kInitial = 0.60f;       // "S." against "Sayed"
constexpr float kStrongMatch = 0.75f;   // a name needs one word matched at least this well

// Token weights: rarity (inverse document frequency of the phonetic key) times the role's factor.
constexpr float kParticleFactor = 0.15f;
constexpr float kPatronymicFactor = 0.5f;
constexpr float kInitialFactor = 0.3f;
constexpr float kMinWeight = 0.5f;

// score = query_cover^kQueryExponent * name_cover^kNameExponent, times kWeakAliasFactor for weak aliases.
constexpr float kQueryExponent = 0.6f;
constexpr float kNameExponent = 0.4f;
constexpr float kWeakAliasFactor = 0.92f;
// A listed name found whole inside a longer query (an Arabic full name with the father's and grandfather's
// names, say) scores name_cover * kContainedFactor * min(1, matched name weight / kContainedWeight): only names
// with about two rare tokens can score this way.
constexpr float kContainedFactor = 0.9f;
constexpr float kContainedWeight = 16.0f;

uint64_t fnv1a(std::string_view text, size_t skip = SIZE_MAX, size_t skip_too = SIZE_MAX) {
  uint64_t hash = 1469598103934665603ull;
  for (size_t i = 0; i < text.size(); i++) {
    if (i == skip || i == skip_too) continue;
    hash ^= static_cast<unsigned char>(text[i]);
    hash *= 1099511628211ull;
  }
  return hash;
}

float role_factor(TokenRole role) {
  switch (role) {
    case TokenRole::particle: return kParticleFactor;
    case TokenRole::patronymic: return kPatronymicFactor;
    case TokenRole::initial: return kInitialFactor;
    case TokenRole::word: return 1.0f;
  }
  return 1.0f;
}

// One differs from the other by a final vowel only (Kozlov/Kozlova, Aleksandr/Aleksandra).
bool differs_by_final_vowel(std::string_view a, std::string_view b) {
  if (a.size() + 1 == b.size()) std::swap(a, b);
  if (b.size() + 1 != a.size() || b.size() < 3) return false;
  const char last = a.back();
  return (last == 'a' || last == 'e' || last == 'i' || last == 'y' || last == 'o') && a.substr(0, b.size()) == b;
}

// Keys one edit apart where the edit swaps sounds that spellings confuse (s/z/ch/ts/j, k/g/h, b/p, d/t,
// v/f, m/n) or adds or drops an h or a vowel: "lifschiz" / "lifshits", not "morozov" / "mironov".
bool sound_alike_edit(std::string_view a, std::string_view b) {
  static constexpr const char* kClasses[] = {"szCj", "kgh", "bp", "dt", "vf", "mn"};
  if (a.size() != b.size()) {
    if (a.size() < b.size()) std::swap(a, b);
    for (size_t i = 0; i < a.size(); i++) {
      if (i >= b.size() || a[i] != b[i]) return a[i] == 'h' || a[i] == 'a';
    }
    return false;
  }
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i] == b[i]) continue;
    for (const char* group : kClasses) {
      const std::string_view members(group);
      if (members.find(a[i]) != std::string_view::npos && members.find(b[i]) != std::string_view::npos) return true;
    }
    return false;
  }
  return false;
}

// Long tokens (kTwoDeletionLength letters and more) also get their two-deletions, so that two substitutions
// ("abfullah" / "abdallah") meet.
constexpr size_t kTwoDeletionLength = 8;

void add_deletions(std::string_view text, uint32_t id, std::vector<std::pair<uint64_t, uint32_t>>* out) {
  out->emplace_back(fnv1a(text), id);
  for (size_t k = 0; k < text.size(); k++) out->emplace_back(fnv1a(text, k), id);
}

void add_two_deletions(std::string_view text, uint32_t id, std::vector<std::pair<uint64_t, uint32_t>>* out) {
  if (text.size() < kTwoDeletionLength) return;
  for (size_t k = 0; k < text.size(); k++) {
    for (size_t l = k + 1; l < text.size(); l++) out->emplace_back(fnv1a(text, k, l), id);
  }
}

// Ids stored under the hash of `text` or any of its one-deletions (and, given `two`, its two-deletions in that
// table), deduplicated and sorted.
void probe_deletions(std::string_view text, const HashTable& table, std::vector<uint32_t>* out,
                     const HashTable* two = nullptr) {
  out->clear();
  table.find(fnv1a(text), out);
  for (size_t k = 0; k < text.size(); k++) table.find(fnv1a(text, k), out);
  if (two != nullptr && text.size() >= kTwoDeletionLength) {
    for (size_t k = 0; k < text.size(); k++) {
      for (size_t l = k + 1; l < text.size(); l++) two->find(fnv1a(text, k, l), out);
    }
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

// Per-thread token -> first match of the current query, so scoring a name costs one load per name unit.
struct TokenLookup {
  std::vector<uint64_t> stamp;  // epoch of the query that set the entry
  std::vector<uint32_t> first;  // index of the token's first match in PreparedQuery::matches
  uint64_t epoch = 0;
};
thread_local TokenLookup token_lookup;
thread_local uint64_t lookup_thread_salt = 0;

}  // namespace

void HashTable::build(std::vector<std::pair<uint64_t, uint32_t>> items) {
  // Open addressing with linear probing, at most half full: a probe usually reads one cache line.
  std::sort(items.begin(), items.end());
  size_t slots = 16;
  while (slots < 2 * items.size()) slots <<= 1;
  mask_ = slots - 1;
  slots_.assign(slots, std::pair<uint64_t, uint32_t>(0, kNone));
  for (const auto& item : items) {
    uint64_t at = item.first & mask_;
    while (slots_[at].second != kNone) at = (at + 1) & mask_;
    slots_[at] = item;
  }
  size_ = items.size();
}

void HashTable::find(uint64_t hash, std::vector<uint32_t>* out) const {
  if (size_ == 0) return;
  for (uint64_t at = hash & mask_; slots_[at].second != kNone; at = (at + 1) & mask_) {
    if (slots_[at].first == hash) out->push_back(slots_[at].second);
  }
}

template <typename TextOf>
void StringIds::build(size_t count, TextOf&& text_of) {
  std::vector<std::pair<uint64_t, uint32_t>> items;
  items.reserve(count);
  for (uint32_t id = 0; id < count; id++) items.emplace_back(fnv1a(text_of(id)), id);
  table_.build(std::move(items));
}

template <typename TextOf>
uint32_t StringIds::find(std::string_view key, TextOf&& text_of) const {
  thread_local std::vector<uint32_t> hits;
  hits.clear();
  table_.find(fnv1a(key), &hits);
  for (uint32_t id : hits) {
    if (text_of(id) == key) return id;
  }
  return kNone;
}

uint32_t Index::find_token(std::string_view text) const {
  return token_lookup_.find(text, [this](uint32_t id) -> std::string_view { return dictionary_[id].text; });
}

uint32_t Index::find_phonetic(std::string_view key) const {
  return phonetic_lookup_.find(key, [this](uint32_t id) -> std::string_view { return phonetic_text_[id]; });
}

uint32_t Index::intern(const std::string& text, bool arabic) {
  const auto [it, inserted] = token_ids_.emplace(text, static_cast<uint32_t>(dictionary_.size()));
  if (inserted) {
    DictToken token;
    token.text = text;
    dictionary_.push_back(std::move(token));
  }
  if (arabic) dictionary_[it->second].arabic = true;
  return it->second;
}

uint32_t Index::key_id(std::unordered_map<std::string, uint32_t>* keys, const std::string& key) {
  const auto [it, inserted] = keys->emplace(key, static_cast<uint32_t>(keys->size()));
  return it->second;
}

float Index::idf(uint32_t document_frequency) const {
  const float value = std::log((name_count_ + 1.0f) / (static_cast<float>(document_frequency) + 0.5f));
  return std::max(value, kMinWeight);
}

float Index::name_token_weight(const IndexedName& name, size_t position) const {
  const size_t unit = name.units_begin + position;
  return dictionary_[units_[unit].token].weight * role_factor(roles_[unit]);
}

Status Index::build(const std::vector<SanctionsList>& lists) {
  std::vector<bool> is_single;
  for (size_t li = 0; li < lists.size(); li++) {
    const SanctionsList& list = lists[li];
    for (size_t ei = 0; ei < list.entries.size(); ei++) {
      const ListEntry& entry = list.entries[ei];
      const auto first_name = static_cast<uint32_t>(names_.size());
      entries_.push_back(EntryRef{.list = static_cast<uint32_t>(li), .entry = static_cast<uint32_t>(ei)});
      for (size_t ni = 0; ni < entry.names.size(); ni++) {
        NormalizedName normalized;
        QZ_TRY(normalize_name(entry.names[ni].text, &normalized));
        std::vector<NameToken>& tokens = normalized.tokens;
        if (tokens.empty()) continue;
        if (tokens.size() > kMaxNameTokens) tokens.resize(kMaxNameTokens);
        IndexedName name;
        name.entry = static_cast<uint32_t>(entries_.size() - 1);
        name.name_in_entry = static_cast<uint32_t>(ni);
        name.kind = entry.names[ni].kind;
        name.arabic = normalized.from_arabic_script;
        name.units_begin = static_cast<uint32_t>(units_.size());
        const bool arabic = normalized.from_arabic_script;
        for (size_t pos = 0; pos < tokens.size(); pos++) {
          const uint32_t id = intern(tokens[pos].text, arabic);
          if (is_single.size() <= id) is_single.resize(id + 1, false);
          is_single[id] = true;
          units_.push_back(NameUnit{.token = id, .start = static_cast<uint8_t>(pos), .length = 1});
          roles_.push_back(tokens[pos].role);
        }
        // Neighbours joined: "abu ghaith" is also "abughaith"; across a particle, three join ("abd al hamid").
        for (size_t pos = 0; pos + 1 < tokens.size(); pos++) {
          const uint32_t pair = intern(tokens[pos].text + tokens[pos + 1].text, arabic);
          units_.push_back(NameUnit{.token = pair, .start = static_cast<uint8_t>(pos), .length = 2});
          roles_.push_back(TokenRole::word);
          if (tokens[pos + 1].role == TokenRole::particle && pos + 2 < tokens.size()) {
            const uint32_t triple = intern(tokens[pos].text + tokens[pos + 1].text + tokens[pos + 2].text, arabic);
            units_.push_back(NameUnit{.token = triple, .start = static_cast<uint8_t>(pos), .length = 3});
            roles_.push_back(TokenRole::word);
          }
        }
        name.token_count = static_cast<uint16_t>(tokens.size());
        name.unit_count = static_cast<uint16_t>(units_.size() - name.units_begin);
        names_.push_back(name);
      }
      entry_names_.emplace_back(first_name, static_cast<uint32_t>(names_.size()));
    }
  }
  is_single.resize(dictionary_.size(), false);
  name_count_ = static_cast<float>(names_.size());

  // Keys of every dictionary token.
  for (uint32_t id = 0; id < dictionary_.size(); id++) {
    DictToken& token = dictionary_[id];
    TokenKeys computed;
    token_keys(token.text, &computed);
    token.vowels = computed.vowels;
    std::vector<std::string> keys = {computed.phonetic};
    if (!computed.alternate.empty()) keys.push_back(computed.alternate);
    for (size_t k = 0; k < keys.size() && k < 2; k++) {
      const uint32_t kid = key_id(&phonetic_ids_, keys[k]);
      if (phonetic_tokens_.size() <= kid) {
        phonetic_tokens_.resize(kid + 1);
        phonetic_text_.resize(kid + 1);
      }
      phonetic_text_[kid] = keys[k];
      phonetic_tokens_[kid].push_back(id);
      token.phonetic[k] = kid;
    }
    const std::string& skeleton = computed.skeleton;
    if (!skeleton.empty()) {
      const uint32_t sid = key_id(&skeleton_ids_, skeleton);
      if (skeleton_tokens_.size() <= sid) {
        skeleton_tokens_.resize(sid + 1);
        skeleton_arabic_.resize(sid + 1);
      }
      skeleton_tokens_[sid].push_back(id);
      skeleton_text_.resize(skeleton_tokens_.size());
      skeleton_text_[sid] = skeleton;
      if (token.arabic) skeleton_arabic_[sid].push_back(id);
      token.skeleton = sid;
    }
  }

  // Document frequency of each phonetic key over names (single tokens), then token weights.
  phonetic_df_.assign(phonetic_tokens_.size(), 0);
  std::vector<uint32_t> seen;
  for (const IndexedName& name : names_) {
    seen.clear();
    for (size_t pos = 0; pos < name.token_count; pos++) {
      seen.push_back(dictionary_[units_[name.units_begin + pos].token].phonetic[0]);
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (uint32_t kid : seen) phonetic_df_[kid]++;
  }
  for (DictToken& token : dictionary_) token.weight = idf(phonetic_df_[token.phonetic[0]]);
  // A join's bound: the most its parts weigh in any name that holds it.
  bound_weight_.assign(dictionary_.size(), 0);
  for (const IndexedName& name : names_) {
    for (size_t u = 0; u < name.unit_count; u++) {
      const NameUnit& unit = units_[name.units_begin + u];
      float weight = 0;
      for (size_t k = 0; k < unit.length; k++)
        weight += dictionary_[units_[name.units_begin + unit.start + k].token].weight;
      bound_weight_[unit.token] = std::max(bound_weight_[unit.token], weight);
    }
  }

  name_total_.resize(names_.size());
  for (uint32_t nid = 0; nid < names_.size(); nid++) {
    float total = 0;
    for (size_t j = 0; j < names_[nid].token_count; j++) total += name_token_weight(names_[nid], j);
    name_total_[nid] = total;
  }

  // Postings: token -> names.
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  pairs.reserve(units_.size());
  for (uint32_t nid = 0; nid < names_.size(); nid++) {
    const IndexedName& name = names_[nid];
    for (size_t u = 0; u < name.unit_count; u++) pairs.emplace_back(units_[name.units_begin + u].token, nid);
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  posting_begin_.assign(dictionary_.size() + 1, 0);
  postings_.reserve(pairs.size());
  for (const auto& [token, nid] : pairs) {
    posting_begin_[token + 1]++;
    postings_.push_back(nid);
  }
  for (size_t i = 1; i < posting_begin_.size(); i++) posting_begin_[i] += posting_begin_[i - 1];

  // Typo neighbourhoods of single tokens (3+ letters), phonetic keys and consonant skeletons.
  std::vector<std::pair<uint64_t, uint32_t>> items;
  single_tokens_ = 0;
  for (uint32_t id = 0; id < dictionary_.size(); id++) {
    if (!is_single[id]) continue;
    single_tokens_++;
    const std::string& text = dictionary_[id].text;
    if (text.size() >= 3 && text.size() <= 64) add_deletions(text, id, &items);
  }
  deletions_.build(std::move(items));
  items.clear();
  for (uint32_t id = 0; id < dictionary_.size(); id++) {
    if (is_single[id] && dictionary_[id].text.size() <= 64) add_two_deletions(dictionary_[id].text, id, &items);
  }
  two_deletions_.build(std::move(items));
  items.clear();
  for (uint32_t kid = 0; kid < phonetic_text_.size(); kid++) {
    if (phonetic_text_[kid].size() >= kMinKeyTypoLength && phonetic_text_[kid].size() <= 64) {
      add_deletions(phonetic_text_[kid], kid, &items);
    }
  }
  key_deletions_.build(std::move(items));
  // Skeletons without h.
  for (uint32_t id = 0; id < dictionary_.size(); id++) {
    if (dictionary_[id].skeleton == kNone) continue;
    std::string loose;
    for (char c : skeleton_text_[dictionary_[id].skeleton]) {
      if (c != 'h') loose.push_back(c);
    }
    if (loose.size() < 2) continue;
    const uint32_t lid = key_id(&loose_skeleton_ids_, loose);
    if (loose_skeleton_tokens_.size() <= lid) {
      loose_skeleton_tokens_.resize(lid + 1);
      loose_skeleton_text_.resize(lid + 1);
    }
    loose_skeleton_text_[lid] = loose;
    loose_skeleton_tokens_[lid].push_back(id);
  }

  // Lookup tables; the interning maps are no longer needed.
  token_lookup_.build(dictionary_.size(), [this](uint32_t id) -> std::string_view { return dictionary_[id].text; });
  phonetic_lookup_.build(phonetic_text_.size(), [this](uint32_t id) -> std::string_view { return phonetic_text_[id]; });
  skeleton_lookup_.build(skeleton_text_.size(), [this](uint32_t id) -> std::string_view { return skeleton_text_[id]; });
  loose_lookup_.build(loose_skeleton_text_.size(),
                      [this](uint32_t id) -> std::string_view { return loose_skeleton_text_[id]; });
  token_ids_ = {};
  phonetic_ids_ = {};
  skeleton_ids_ = {};
  loose_skeleton_ids_ = {};
  return Status::ok();
}

void Index::add_matches(uint16_t unit, const std::string& text, const TokenKeys& keys, bool single, bool arabic_query,
                        std::vector<UnitMatch>* out) const {
  const auto push = [&](uint32_t token, MatchHow how, float similarity) {
    out->push_back(UnitMatch{.token = token, .unit = unit, .how = how, .similarity = similarity});
  };
  const size_t before = out->size();
  if (const uint32_t found = find_token(text); found != kNone) push(found, MatchHow::exact, 1.0f);

  for (const std::string* key : {&keys.phonetic, &keys.alternate}) {
    if (key->empty()) continue;
    const uint32_t found = find_phonetic(*key);
    if (found == kNone) continue;
    for (uint32_t token : phonetic_tokens_[found]) {
      push(token, MatchHow::phonetic,
           vowels_compatible(keys.vowels, dictionary_[token].vowels) ? kPhonetic : kPhoneticVowels);
    }
  }
  const bool spelled_alike = out->size() > before;

  const std::string& skeleton = keys.skeleton;
  if (skeleton.size() >= 2 || (arabic_query && skeleton.size() == 1)) {
    const uint32_t found =
        skeleton_lookup_.find(skeleton, [this](uint32_t id) -> std::string_view { return skeleton_text_[id]; });
    if (found != kNone) {
      const float similarity = skeleton.size() >= 3   ? kConsonants
                               : skeleton.size() == 2 ? kConsonantsTwo
                                                      : kConsonantsOne;
      const auto& tokens = arabic_query ? skeleton_tokens_[found] : skeleton_arabic_[found];
      for (uint32_t token : tokens) {
        if (skeleton.size() == 1 && dictionary_[token].text.size() > 4) continue;
        push(token, MatchHow::consonants, similarity);
      }
    }
  }

  // An Arabic-script query: skeletons equal but for h (romanisations drop or add the h of ha and ha':
  // "slah" / "Shalah", "ahmd" / "Amad").
  if (arabic_query) {
    std::string loose;
    for (char c : skeleton) {
      if (c != 'h') loose.push_back(c);
    }
    if (loose.size() >= 2) {
      const uint32_t found =
          loose_lookup_.find(loose, [this](uint32_t id) -> std::string_view { return loose_skeleton_text_[id]; });
      if (found != kNone) {
        for (uint32_t token : loose_skeleton_tokens_[found]) push(token, MatchHow::typo, kConsonantsTypo);
      }
    }
  }

  if (!single || text.size() < 4) return;
  // Typos of the token; two substitutions only when nothing is spelled alike (a misspelt query word).
  const uint32_t max_distance = text.size() >= 8 ? 2 : 1;
  std::vector<uint32_t> found;
  probe_deletions(text, deletions_, &found, spelled_alike ? nullptr : &two_deletions_);
  for (uint32_t token : found) {
    const std::string& other = dictionary_[token].text;
    const uint32_t distance = edit_distance(text, other, max_distance);
    if (distance == 0 || distance > max_distance) continue;
    float similarity = std::min(
        kTypoCap, 1.0f - static_cast<float>(distance) / static_cast<float>(std::max(text.size(), other.size())));
    if (distance == 1 && differs_by_final_vowel(text, other)) similarity = std::min(similarity, kGenderEnding);
    push(token, MatchHow::typo, similarity);
  }
  // Typos of the phonetic key (two variant spellings with one slip between them, "lifschiz" / "lifshits"),
  // when nothing is spelled alike: long keys only, the same first sound, spellings at most three edits apart.
  const std::string& key = keys.phonetic;
  if (spelled_alike || key.size() < kMinKeyTypoLength) return;
  probe_deletions(key, key_deletions_, &found);
  for (uint32_t kid : found) {
    const std::string& other = phonetic_text_[kid];
    if (other[0] != key[0] || edit_distance(key, other, 1) != 1 || !sound_alike_edit(key, other)) continue;
    const float similarity = differs_by_final_vowel(key, other) ? kGenderEnding : kKeyTypo;
    for (uint32_t token : phonetic_tokens_[kid]) {
      if (edit_distance(text, dictionary_[token].text, 3) <= 3) push(token, MatchHow::typo, similarity);
    }
  }
}

void Index::prepare(const NormalizedName& name, PreparedQuery* out) const {
  *out = PreparedQuery();
  out->arabic = name.from_arabic_script;
  out->ignored = name.ignored;
  const size_t count = std::min(name.tokens.size(), kMaxQueryTokens);
  for (size_t i = 0; i < count; i++) {
    QueryToken token;
    token.text = name.tokens[i].text;
    token.role = name.tokens[i].role;
    const uint32_t found = find_phonetic(phonetic_keys(token.text)[0]);
    const uint32_t df = found == kNone ? 0 : phonetic_df_[found];
    token.weight = idf(df) * role_factor(token.role);
    out->total_weight += token.weight;
    if (token.role == TokenRole::particle || token.role == TokenRole::initial) out->unindexed_weight += token.weight;
    out->tokens.push_back(std::move(token));
  }
  for (size_t i = 0; i < count; i++) {
    const QueryToken& token = out->tokens[i];
    out->units.push_back(
        QueryUnit{.text = token.text, .start = static_cast<uint8_t>(i), .length = 1, .weight = token.weight});
  }
  for (size_t i = 0; i + 1 < count; i++) {
    const QueryToken& a = out->tokens[i];
    const QueryToken& b = out->tokens[i + 1];
    out->units.push_back(QueryUnit{
        .text = a.text + b.text, .start = static_cast<uint8_t>(i), .length = 2, .weight = a.weight + b.weight});
    if (b.role == TokenRole::particle && i + 2 < count) {
      const QueryToken& c = out->tokens[i + 2];
      out->units.push_back(QueryUnit{.text = a.text + b.text + c.text,
                                     .start = static_cast<uint8_t>(i),
                                     .length = 3,
                                     .weight = a.weight + b.weight + c.weight});
    }
  }
  for (size_t u = 0; u < out->units.size(); u++) {
    const QueryUnit& unit = out->units[u];
    const bool single = unit.length == 1;
    if (single && out->tokens[unit.start].role == TokenRole::particle) {
      // Particles match only themselves.
      if (const uint32_t found = find_token(unit.text); found != kNone) {
        out->matches.push_back(
            UnitMatch{.token = found, .unit = static_cast<uint16_t>(u), .how = MatchHow::exact, .similarity = 1.0f});
      }
      continue;
    }
    TokenKeys keys;
    token_keys(unit.text, &keys);
    add_matches(static_cast<uint16_t>(u), unit.text, keys, single, out->arabic, &out->matches);
  }
  // One match per (token, unit): the best.
  std::sort(out->matches.begin(), out->matches.end(), [](const UnitMatch& a, const UnitMatch& b) {
    if (a.token != b.token) return a.token < b.token;
    if (a.unit != b.unit) return a.unit < b.unit;
    if (a.similarity != b.similarity) return a.similarity > b.similarity;
    return a.how < b.how;
  });
  out->matches.erase(
      std::unique(out->matches.begin(), out->matches.end(),
                  [](const UnitMatch& a, const UnitMatch& b) { return a.token == b.token && a.unit == b.unit; }),
      out->matches.end());

  // This thread's token lookup now serves this query (score_name checks the epoch).
  TokenLookup& lookup = token_lookup;
  if (lookup.stamp.size() < dictionary_.size()) {
    lookup.stamp.resize(dictionary_.size(), 0);
    lookup.first.resize(dictionary_.size(), 0);
  }
  if (lookup_thread_salt == 0) lookup_thread_salt = reinterpret_cast<uintptr_t>(&lookup);
  out->lookup_epoch = ++lookup.epoch ^ (lookup_thread_salt << 20);
  for (uint32_t m = static_cast<uint32_t>(out->matches.size()); m-- > 0;) {
    const uint32_t token = out->matches[m].token;
    lookup.stamp[token] = out->lookup_epoch;
    lookup.first[token] = m;
  }
}

void Index::candidates(const PreparedQuery& query, float score_floor, std::vector<uint32_t>* out) const {
  struct UnitGain {
    float query_gain = 0, name_gain = 0;
    uint32_t unit = 0;
  };
  struct Sums {
    uint32_t stamp = 0;   // epoch of the query that last touched the name
    float query_sum = 0;  // query weight the name's indexed matches could explain
    float name_sum = 0;   // name weight they could cover
  };
  struct Scratch {
    std::vector<Sums> sums;  // per name; one cache line holds all three
    std::vector<uint32_t> touched;
    uint32_t epoch = 0;
    std::vector<UnitGain> gains;
    std::vector<uint32_t> unit_begin, by_unit, cursor;
  };
  thread_local Scratch scratch;
  out->clear();
  if (scratch.sums.size() < names_.size()) scratch.sums.resize(names_.size());
  if (++scratch.epoch == 0) {
    for (Sums& sums : scratch.sums) sums.stamp = 0;
    scratch.epoch = 1;
  }
  scratch.touched.clear();
  // score <= query_cover^kQueryExponent, or for a contained name <= kContainedFactor * covered / kContainedWeight.
  const float floor = std::max(score_floor, 0.0f);
  const float need_query = std::pow(floor, 1.0f / kQueryExponent) * query.total_weight - query.unindexed_weight - 1e-4f;
  const float need_name = floor / kContainedFactor * kContainedWeight - 1e-4f;

  // Units by the most they can add, largest first. Once the units left cannot add up to what a name needs, they
  // only add to names already found: a name they alone would find cannot reach the floor.
  std::vector<UnitGain>& gains = scratch.gains;
  std::vector<uint32_t>& unit_begin = scratch.unit_begin;  // unit -> its matches in by_unit
  std::vector<uint32_t>& by_unit = scratch.by_unit;
  gains.assign(query.units.size(), UnitGain());
  unit_begin.assign(query.units.size() + 1, 0);
  for (const UnitMatch& match : query.matches) unit_begin[match.unit + 1]++;
  for (size_t u = 1; u < unit_begin.size(); u++) unit_begin[u] += unit_begin[u - 1];
  by_unit.resize(query.matches.size());
  {
    std::vector<uint32_t>& cursor = scratch.cursor;
    cursor.assign(unit_begin.begin(), unit_begin.end() - 1);
    for (uint32_t m = 0; m < query.matches.size(); m++) by_unit[cursor[query.matches[m].unit]++] = m;
  }
  for (uint32_t u = 0; u < query.units.size(); u++) {
    UnitGain& gain = gains[u];
    gain.unit = u;
    const QueryUnit& unit = query.units[u];
    if (unit.length == 1 && query.tokens[unit.start].role == TokenRole::particle) continue;
    for (uint32_t k = unit_begin[u]; k < unit_begin[u + 1]; k++) {
      const UnitMatch& match = query.matches[by_unit[k]];
      gain.query_gain = std::max(gain.query_gain, unit.weight * match.similarity);
      gain.name_gain = std::max(gain.name_gain, bound_weight_[match.token] * match.similarity);
    }
  }
  // Largest share of what a name needs first (either way it may qualify).
  const auto share = [&](const UnitGain& gain) {
    return std::max(gain.query_gain / std::max(need_query, 1e-3f), gain.name_gain / need_name);
  };
  std::sort(gains.begin(), gains.end(), [&](const UnitGain& a, const UnitGain& b) {
    const float share_a = share(a);
    const float share_b = share(b);
    if (share_a != share_b) return share_a > share_b;
    return a.unit < b.unit;
  });
  float query_left = 0;
  float name_left = 0;
  for (const UnitGain& gain : gains) {
    query_left += gain.query_gain;
    name_left += gain.name_gain;
  }
  for (const UnitGain& gain : gains) {
    if (gain.query_gain <= 0 && gain.name_gain <= 0) continue;  // particles, or no match
    const bool create = query_left >= need_query || name_left >= need_name;
    query_left -= gain.query_gain;
    name_left -= gain.name_gain;
    for (uint32_t k = unit_begin[gain.unit]; k < unit_begin[gain.unit + 1]; k++) {
      const UnitMatch& match = query.matches[by_unit[k]];
      const float query_gain = query.units[match.unit].weight * match.similarity;
      const float name_gain = bound_weight_[match.token] * match.similarity;
      for (uint32_t p = posting_begin_[match.token]; p < posting_begin_[match.token + 1]; p++) {
        const uint32_t nid = postings_[p];
        Sums& sums = scratch.sums[nid];
        if (sums.stamp != scratch.epoch) {
          if (!create) continue;
          sums = Sums{.stamp = scratch.epoch, .query_sum = 0, .name_sum = 0};
          scratch.touched.push_back(nid);
        }
        sums.query_sum += query_gain;
        sums.name_sum += name_gain;
      }
    }
  }
  // A contained name also needs name_cover >= floor / kContainedFactor.
  const float need_name_share = floor / kContainedFactor - 1e-4f;
  for (uint32_t nid : scratch.touched) {
    const Sums& sums = scratch.sums[nid];
    if (sums.query_sum >= need_query ||
        (sums.name_sum >= need_name && sums.name_sum >= need_name_share * name_total_[nid])) {
      out->push_back(nid);
    }
  }
  std::sort(out->begin(), out->end());
}

NameScore Index::score_name(const PreparedQuery& query, uint32_t name_id, bool explain) const {
  NameScore result;
  const IndexedName& name = names_[name_id];
  const NameUnit* name_units = units(name);

  struct Pair {
    float similarity;
    MatchHow how;
    uint8_t query_start, query_length, name_start, name_length;
  };
  constexpr size_t kMaxPairs = 512;
  Pair pairs[kMaxPairs];
  size_t pair_count = 0;
  const auto add = [&](const Pair& pair) {
    if (pair_count < kMaxPairs) pairs[pair_count++] = pair;
  };

  const TokenLookup& lookup = token_lookup;
  const bool fast =
      query.lookup_epoch != 0 && lookup.epoch != 0 && (lookup.epoch ^ (lookup_thread_salt << 20)) == query.lookup_epoch;
  for (size_t v = 0; v < name.unit_count; v++) {
    const NameUnit& unit = name_units[v];
    auto it = query.matches.end();
    if (fast) {
      if (lookup.stamp[unit.token] == query.lookup_epoch) it = query.matches.begin() + lookup.first[unit.token];
    } else {
      it = std::lower_bound(query.matches.begin(), query.matches.end(), unit.token,
                            [](const UnitMatch& m, uint32_t token) { return m.token < token; });
    }
    for (; it != query.matches.end() && it->token == unit.token; ++it) {
      const QueryUnit& qu = query.units[it->unit];
      add(Pair{it->similarity, it->how, qu.start, qu.length, unit.start, unit.length});
    }
  }
  // Initials against tokens that start with them, both ways.
  for (size_t i = 0; i < query.tokens.size(); i++) {
    const QueryToken& qt = query.tokens[i];
    for (size_t j = 0; j < name.token_count; j++) {
      const std::string& nt = dictionary_[name_units[j].token].text;
      const bool query_initial = qt.role == TokenRole::initial && nt.size() > 1;
      const bool name_initial = roles_[name.units_begin + j] == TokenRole::initial && qt.text.size() > 1;
      if ((query_initial || name_initial) && qt.text[0] == nt[0]) {
        add(Pair{kInitial, MatchHow::initial, static_cast<uint8_t>(i), 1, static_cast<uint8_t>(j), 1});
      }
    }
  }
  std::sort(pairs, pairs + pair_count, [](const Pair& a, const Pair& b) {
    if (a.similarity != b.similarity) return a.similarity > b.similarity;
    // Equal similarity: single tokens first, which reads better and leaves the joins for what singles miss.
    const int span_a = a.query_length + a.name_length;
    const int span_b = b.query_length + b.name_length;
    if (span_a != span_b) return span_a < span_b;
    if (a.query_start != b.query_start) return a.query_start < b.query_start;
    return a.name_start < b.name_start;
  });

  float query_similarity[kMaxQueryTokens] = {};
  float name_similarity[kMaxNameTokens] = {};
  uint32_t query_used = 0;
  uint32_t name_used = 0;
  uint32_t name_by_initial = 0;
  bool strong = false;
  for (size_t p = 0; p < pair_count; p++) {
    const Pair& pair = pairs[p];
    const uint32_t query_mask = ((1u << pair.query_length) - 1) << pair.query_start;
    const uint32_t name_mask = ((1u << pair.name_length) - 1) << pair.name_start;
    if ((query_used & query_mask) != 0 || (name_used & name_mask) != 0) continue;
    query_used |= query_mask;
    name_used |= name_mask;
    for (size_t k = 0; k < pair.query_length; k++) {
      query_similarity[pair.query_start + k] = pair.similarity;
      const TokenRole role = query.tokens[pair.query_start + k].role;
      if (pair.similarity >= kStrongMatch && (role == TokenRole::word || role == TokenRole::patronymic)) {
        strong = true;
      }
    }
    for (size_t k = 0; k < pair.name_length; k++) name_similarity[pair.name_start + k] = pair.similarity;
    if (pair.how == MatchHow::initial) name_by_initial |= name_mask;
    if (explain) {
      result.pairs.push_back(AlignedPair{.query_start = pair.query_start,
                                         .query_length = pair.query_length,
                                         .name_start = pair.name_start,
                                         .name_length = pair.name_length,
                                         .how = pair.how,
                                         .similarity = pair.similarity});
    }
  }

  float query_matched = 0;
  for (size_t i = 0; i < query.tokens.size(); i++) query_matched += query.tokens[i].weight * query_similarity[i];
  float name_total = 0;
  float name_matched = 0;
  float name_matched_indexed = 0;  // without initials, which the candidate bound cannot see
  for (size_t j = 0; j < name.token_count; j++) {
    const float weight = name_token_weight(name, j);
    name_total += weight;
    name_matched += weight * name_similarity[j];
    if ((name_by_initial & (1u << j)) == 0) name_matched_indexed += weight * name_similarity[j];
  }
  result.query_cover = query.total_weight > 0 ? query_matched / query.total_weight : 0;
  result.name_cover = name_total > 0 ? name_matched / name_total : 0;
  if (strong) {
    result.score = std::pow(result.query_cover, kQueryExponent) * std::pow(result.name_cover, kNameExponent);
    const float contained =
        result.name_cover * kContainedFactor * std::min(1.0f, name_matched_indexed / kContainedWeight);
    result.score = std::max(result.score, contained);
    if (name.kind == NameKind::weak_alias) result.score *= kWeakAliasFactor;
  }
  if (explain) {
    std::sort(result.pairs.begin(), result.pairs.end(),
              [](const AlignedPair& a, const AlignedPair& b) { return a.query_start < b.query_start; });
  }
  return result;
}

}  // namespace qz::screening::internal
