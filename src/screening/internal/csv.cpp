#include "screening/internal/csv.h"

#include <utility>

namespace qz::screening::internal {

std::string at_line(const std::string& file_name, size_t line, const std::string& what) {
  return file_name + ":" + std::to_string(line) + ": " + what;
}

CsvReader::CsvReader(std::string_view text, std::string file_name) : text_(text), file_name_(std::move(file_name)) {
  // A UTF-8 byte-order mark is not part of the first field.
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

bool CsvReader::fail(size_t line, const std::string& what) {
  status_ = Status::error(at_line(file_name_, line, what));
  done_ = true;
  return false;
}

bool CsvReader::next(std::vector<std::string>* fields, size_t* line) {
  fields->clear();
  if (done_) return false;
  const size_t n = text_.size();

  // Skip empty lines; stop at the end or at the 0x1A line.
  for (;;) {
    if (pos_ >= n) {
      done_ = true;
      return false;
    }
    const char c = text_[pos_];
    if (c == '\n') {
      pos_++;
      line_++;
      continue;
    }
    if (c == '\r') {
      pos_ += (pos_ + 1 < n && text_[pos_ + 1] == '\n') ? 2 : 1;
      line_++;
      continue;
    }
    if (c == '\x1A') {
      size_t rest = pos_ + 1;
      while (rest < n && (text_[rest] == '\r' || text_[rest] == '\n')) rest++;
      if (rest != n) return fail(line_, "data after the end-of-file byte 0x1A");
      done_ = true;
      return false;
    }
    break;
  }

  *line = line_;
  std::string field;
  for (;;) {
    field.clear();
    if (pos_ < n && text_[pos_] == '"') {
      const size_t open_line = line_;
      pos_++;
      for (;;) {
        if (pos_ >= n) return fail(open_line, "unterminated quoted field");
        const char c = text_[pos_];
        if (c == '"') {
          if (pos_ + 1 < n && text_[pos_ + 1] == '"') {
            field.push_back('"');
            pos_ += 2;
            continue;
          }
          pos_++;
          break;
        }
        if (c == '\n' || (c == '\r' && !(pos_ + 1 < n && text_[pos_ + 1] == '\n'))) line_++;
        field.push_back(c);
        pos_++;
      }
      if (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\r' && text_[pos_] != '\n') {
        return fail(line_, "unexpected character after a closing quote");
      }
    } else {
      while (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\r' && text_[pos_] != '\n') {
        field.push_back(text_[pos_]);
        pos_++;
      }
    }
    fields->push_back(field);
    if (pos_ >= n) return true;
    const char c = text_[pos_];
    if (c == ',') {
      pos_++;
      continue;
    }
    // End of the line.
    pos_ += (c == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n') ? 2 : 1;
    line_++;
    return true;
  }
}

}  // namespace qz::screening::internal
