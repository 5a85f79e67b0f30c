// Little-endian byte helpers for encoders and decoders.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace qz {

inline void put_u64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; i++) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put_u32(uint8_t* out, uint32_t v) {
  for (int i = 0; i < 4; i++) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint64_t get_u64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | in[i];
  return v;
}
inline uint32_t get_u32(const uint8_t* in) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | in[i];
  return v;
}

// Appends little-endian values to a byte vector (snapshots, headers).
class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* out) : out_(out) {}
  void u8(uint8_t v) { out_->push_back(v); }
  void u16(uint16_t v) {
    out_->push_back(static_cast<uint8_t>(v));
    out_->push_back(static_cast<uint8_t>(v >> 8));
  }
  void u32(uint32_t v) {
    uint8_t b[4];
    put_u32(b, v);
    out_->insert(out_->end(), b, b + 4);
  }
  void u64(uint64_t v) {
    uint8_t b[8];
    put_u64(b, v);
    out_->insert(out_->end(), b, b + 8);
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void bytes(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    out_->insert(out_->end(), p, p + size);
  }

 private:
  std::vector<uint8_t>* out_;
};

// Reads little-endian values with bounds checks; after any overrun ok() is false and reads return zero.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t u8() { return take(1) ? data_[pos_ - 1] : 0; }
  uint16_t u16() { return take(2) ? static_cast<uint16_t>(data_[pos_ - 2] | (data_[pos_ - 1] << 8)) : 0; }
  uint32_t u32() { return take(4) ? get_u32(data_ + pos_ - 4) : 0; }
  uint64_t u64() { return take(8) ? get_u64(data_ + pos_ - 8) : 0; }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  bool bytes(void* out, size_t size) {
    if (!take(size)) return false;
    std::memcpy(out, data_ + pos_ - size, size);
    return true;
  }
  bool ok() const { return ok_; }
  size_t remaining() const { return size_ - pos_; }

 private:
  bool take(size_t n) {
    if (!ok_ || size_ - pos_ < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace qz
