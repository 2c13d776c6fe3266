#include "worker/service/query_caps.h"

#include "google/protobuf/io/coded_stream.h"

namespace mfgate::service {

void CapQueryAnswer(int64_t max_rows, size_t max_bytes,
                    v1::QueryResponse* query) {
  if (query->rows_size() > max_rows) {
    query->mutable_rows()->DeleteSubrange(
        static_cast<int>(max_rows),
        query->rows_size() - static_cast<int>(max_rows));
    query->set_truncated(true);
  }
  if (query->rows_size() == 0 || query->ByteSizeLong() <= max_bytes) {
    return;
  }
  // Exactly the rows over the cap go, from the end, so that an answer
  // slightly over it loses a few rows, not half: each row costs its tag (1
  // byte), its length and itself, sized once by ByteSizeLong.
  query->set_truncated(true);
  size_t size = query->ByteSizeLong();
  int keep = query->rows_size();
  while (keep > 0 && size > max_bytes) {
    const uint32_t row =
        static_cast<uint32_t>(query->rows(--keep).GetCachedSize());
    size -=
        1 + google::protobuf::io::CodedOutputStream::VarintSize32(row) + row;
  }
  query->mutable_rows()->DeleteSubrange(keep, query->rows_size() - keep);
}

}  // namespace mfgate::service
