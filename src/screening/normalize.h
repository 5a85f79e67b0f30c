// Name normalisation for screening: any script to lower-case ASCII tokens, and the keys that make variant
// spellings of one name meet (docs/screening.md, "Normalisation").
//
//   1. to_latin: text that is not plain ASCII goes through one ICU transliterator built from rules: NFKC, lower
//      case, our own Cyrillic rules (Russian, Ukrainian, Belarusian and Kazakh letters the way passports and the
//      press write them: zh, kh, ts, ch, sh, shch, yu, ya), our own Arabic and Persian letter rules (consonants
//      as the press writes them; ain, ta marbuta and alif maqsura as 'a'; hamza dropped), then ICU's
//      Any-Latin and Latin-ASCII for every other script.
//   2. tokenize: apostrophes vanish ("Ba'asyir" -> "baasyir"), dotted initials join ("S.A." -> "sa"), other
//      punctuation separates; honorifics and legal-form words (Mr, Dr, Sheikh, Haji, LLC, OOO, TOO, AO, JSC,
//      LTD, "joint stock company" ...) are dropped; Abdul/Abdel/Abdoul/Abd al- become "abd"; particles (al, el,
//      bin, ibn, abu's "al", de, van ...) and patronymics (-ovich, -ovna, -kyzy ...) are marked so that scoring
//      can weigh them less.
//   3. keys: phonetic_key folds romanisation variants (vowel runs, y/j/i, kh/h, ch/tch/tsch, sh/sch/s, zh/j/dzh,
//      w/v, ph/f, q/k, doubled letters, final h; j is a consonant, or y in a second key) so Yevgeny, Evgeniy,
//      Evgenii and Ewgenii share one key;
//      skeleton_key keeps consonants only, for names written in Arabic script without vowels.
//
// Every function is deterministic and thread-safe, and no exception leaves it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace qz::screening {

enum class TokenRole : uint8_t {
  word = 0,
  particle = 1,    // al, el, bin, ibn, de, van ...: optional in both directions, little weight
  patronymic = 2,  // -ovich, -evna, -kyzy ...: often missing, half weight
  initial = 3,     // a single letter
};

struct NameToken {
  std::string text;  // lower-case ASCII letters and digits
  TokenRole role = TokenRole::word;
};

struct NormalizedName {
  std::vector<NameToken> tokens;
  std::vector<std::string> ignored;  // honorific and legal-form words that were dropped
  bool from_arabic_script = false;   // the text held Arabic-script letters (keys compare consonants only)
};

// Lower-case ASCII transliteration of UTF-8 text (invalid UTF-8 bytes become U+FFFD and then separators).
// Fails only if ICU cannot build the transliterator.
[[nodiscard]] Status to_latin(std::string_view utf8, std::string* out);

// to_latin followed by tokenize.
[[nodiscard]] Status normalize_name(std::string_view utf8, NormalizedName* out);

// Tokenises lower-case ASCII text (the output of to_latin).
void tokenize(std::string_view latin, bool from_arabic_script, NormalizedName* out);

// True when the UTF-8 text holds a letter of the Arabic script blocks.
bool has_arabic_script(std::string_view utf8);

// The phonetic keys of a token: one, or two when a spelling is ambiguous (German "ch" = kh, "j" = y).
// Alphabet: 'a' marks a vowel run, 'C' the ch/ts sounds, other letters stand for themselves.
std::vector<std::string> phonetic_keys(std::string_view token);

// Everything the index compares for one token, in three passes instead of five.
struct TokenKeys {
  std::string phonetic;   // phonetic_keys(token)[0]
  std::string alternate;  // phonetic_keys(token)[1], or ""
  std::string vowels;     // vowel_pattern(token)
  std::string skeleton;   // skeleton_key(token)
};
void token_keys(std::string_view token, TokenKeys* out);

// The vowel runs of a token as classes 'a', 'e', 'i', 'o' (one per 'a' of its first phonetic key).
std::string vowel_pattern(std::string_view token);
// Two vowel patterns that could be spellings of the same vowels: same length, each pair equal or a~e or e~i
// (Arabic fatha is written a or e, kasra i or e: Ahmad/Ahmed, Hamid/Hamed).
bool vowels_compatible(std::string_view a, std::string_view b);

// Consonants only: vowels, y and w dropped; th, sh, kh, gh, dh and ch kept as written (Arabic-script text
// writes them as the press does, and its "th" may be t + h); other spellings folded as in phonetic_keys.
std::string skeleton_key(std::string_view token);

// Optimal-string-alignment distance (substitution, insertion, deletion, adjacent transposition), or
// max_distance + 1 when it is larger. Strings longer than 64 bytes give max_distance + 1.
uint32_t edit_distance(std::string_view a, std::string_view b, uint32_t max_distance);

}  // namespace qz::screening
