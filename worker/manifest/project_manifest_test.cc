#include "worker/manifest/project_manifest.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <fstream>
#include <memory>
#include <string>

#include "common/temp_dir.h"
#include "gtest/gtest.h"

namespace mfgate::manifest {
namespace {

constexpr char kManifest[] = R"({"semantic_models": [], "metrics": []})";
// Writes `text` to `path`, modified at `seconds` past the epoch.
std::string Write(const std::string& path, const std::string& text,
                  long seconds) {
  std::ofstream(path) << text;
  struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  utimes(path.c_str(), times);
  return path;
}

class ProjectManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("manifest_test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    project_ = dir_->path() + "/project";
    scratch_ = dir_->path() + "/scratch";
    for (const std::string& d :
         {project_, project_ + "/target", project_ + "/models", scratch_,
          scratch_ + "/dbt", scratch_ + "/dbt/target"}) {
      mkdir(d.c_str(), 0700);
    }
  }
  std::unique_ptr<TempDir> dir_;
  std::string project_, scratch_;
};

TEST_F(ProjectManifestTest, ReadsTheManifestNewerThanEverySource) {
  Write(project_ + "/models/m.yml", "x", 1000);
  Write(project_ + "/target/semantic_manifest.json", kManifest, 2000);
  Write(project_ + "/target/newer_but_ignored.txt", "x", 3000);
  Write(project_ + "/warehouse.duckdb", "x", 3000);
  auto read = ReadProjectIndex(project_, scratch_);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->path, project_ + "/target/semantic_manifest.json");
  EXPECT_EQ(read->manifest_sha256.size(), 64u);
}

TEST_F(ProjectManifestTest, AStaleManifestIsNone) {
  Write(project_ + "/target/semantic_manifest.json", kManifest, 1000);
  Write(project_ + "/models/m.yml", "x", 2000);
  EXPECT_EQ(ReadProjectIndex(project_, scratch_).status().code(),
            absl::StatusCode::kNotFound);
  // What an engine parsed into the scratch directory since.
  Write(scratch_ + "/dbt/target/semantic_manifest.json", kManifest, 3000);
  auto read = ReadProjectIndex(project_, scratch_);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->path, scratch_ + "/dbt/target/semantic_manifest.json");
}

TEST_F(ProjectManifestTest, ABadManifestIsAnErrorNotACrash) {
  Write(project_ + "/target/semantic_manifest.json",
        std::string(100, '[') + std::string(100, ']'), 2000);
  EXPECT_EQ(ReadProjectIndex(project_, "").status().code(),
            absl::StatusCode::kResourceExhausted);
  Write(project_ + "/target/semantic_manifest.json", "{\"metrics\": 1}", 2000);
  EXPECT_EQ(ReadProjectIndex(project_, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mfgate::manifest
