#include "tm_core/xz.h"

#include <unistd.h>

#include <cerrno>

#include "tm_core/interrupt.h"

namespace tm_core {
namespace {

constexpr size_t kChunk = 256 << 10;

std::string LzmaMessage(lzma_ret ret) {
  switch (ret) {
    case LZMA_MEM_ERROR: return "out of memory";
    case LZMA_MEMLIMIT_ERROR: return "needs more memory than allowed";
    case LZMA_FORMAT_ERROR: return "not in xz format";
    case LZMA_OPTIONS_ERROR: return "unsupported compression options";
    case LZMA_DATA_ERROR: return "compressed data is corrupt";
    case LZMA_BUF_ERROR: return "compressed data is truncated";
    case LZMA_UNSUPPORTED_CHECK: return "unsupported integrity check";
    default: return "liblzma error " + std::to_string(static_cast<int>(ret));
  }
}

Status WriteAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR && !Interrupted()) continue;
      return Status::IoError("write", errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

class XzSource : public ByteSource {
 public:
  explicit XzSource(std::unique_ptr<ByteSource> compressed) : compressed_(std::move(compressed)), in_(kChunk) {}
  ~XzSource() override { lzma_end(&stream_); }

  Status Init() {
    // The old store's files are .lzma (LZMA_Alone); ours are .xz: both decode.
    lzma_ret ret = lzma_auto_decoder(&stream_, UINT64_MAX, LZMA_CONCATENATED);
    return ret == LZMA_OK ? Status::Ok() : Status::Internal("xz: " + LzmaMessage(ret));
  }

  Status Read(char* buf, size_t n, size_t* got) override {
    *got = 0;
    if (done_ || n == 0) return Status::Ok();
    stream_.next_out = reinterpret_cast<uint8_t*>(buf);
    stream_.avail_out = n;
    while (stream_.avail_out == n) {  // until some output, or the end
      if (stream_.avail_in == 0 && !input_ended_) {
        size_t read = 0;
        if (Status s = compressed_->Read(reinterpret_cast<char*>(in_.data()), in_.size(), &read); !s.ok()) return s;
        stream_.next_in = in_.data();
        stream_.avail_in = read;
        input_ended_ = read == 0;
      }
      lzma_ret ret = lzma_code(&stream_, input_ended_ ? LZMA_FINISH : LZMA_RUN);
      if (ret == LZMA_STREAM_END) {
        done_ = true;
        break;
      }
      if (ret != LZMA_OK) return Status::Corruption("xz: " + LzmaMessage(ret));
    }
    *got = n - stream_.avail_out;
    return Status::Ok();
  }

 private:
  std::unique_ptr<ByteSource> compressed_;
  std::vector<uint8_t> in_;
  lzma_stream stream_ = LZMA_STREAM_INIT;
  bool input_ended_ = false;
  bool done_ = false;
};

}  // namespace

XzWriter::~XzWriter() { lzma_end(&stream_); }

Status XzWriter::Open(int fd, uint32_t level, uint32_t threads) {
  fd_ = fd;
  out_.resize(kChunk);
  lzma_ret ret;
  if (threads > 1) {
    lzma_mt mt{};
    mt.threads = threads;
    mt.preset = level;
    mt.check = LZMA_CHECK_CRC64;
    ret = lzma_stream_encoder_mt(&stream_, &mt);
  } else {
    ret = lzma_easy_encoder(&stream_, level, LZMA_CHECK_CRC64);
  }
  if (ret != LZMA_OK) return Status::Internal("xz: " + LzmaMessage(ret));
  stream_.next_out = out_.data();
  stream_.avail_out = out_.size();
  return Status::Ok();
}

Status XzWriter::FlushOut() {
  Status s = WriteAll(fd_, out_.data(), out_.size() - stream_.avail_out);
  stream_.next_out = out_.data();
  stream_.avail_out = out_.size();
  return s;
}

Status XzWriter::Code(lzma_action action) {
  for (;;) {
    lzma_ret ret = lzma_code(&stream_, action);
    if (ret != LZMA_OK && ret != LZMA_STREAM_END) return Status::Internal("xz: " + LzmaMessage(ret));
    if (stream_.avail_out == 0 || ret == LZMA_STREAM_END) {
      if (Status s = FlushOut(); !s.ok()) return s;
    }
    if (ret == LZMA_STREAM_END) return Status::Ok();
    if (action == LZMA_RUN && stream_.avail_in == 0) return Status::Ok();
  }
}

Status XzWriter::Write(std::string_view data) {
  stream_.next_in = reinterpret_cast<const uint8_t*>(data.data());
  stream_.avail_in = data.size();
  return Code(LZMA_RUN);
}

Status XzWriter::Finish() { return Code(LZMA_FINISH); }

std::unique_ptr<ByteSource> NewXzSource(std::unique_ptr<ByteSource> compressed) {
  auto source = std::make_unique<XzSource>(std::move(compressed));
  if (!source->Init().ok()) return nullptr;
  return source;
}

}  // namespace tm_core
