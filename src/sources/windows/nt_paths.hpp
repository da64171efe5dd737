// Kernel names to fimon's: ETW names files by their NT path ("\Device\HarddiskVolume3\dir\f.txt"),
// fimon by drive path ("C:/dir/f.txt"). The map from volume devices to drive letters comes from
// QueryDosDeviceW and is rebuilt when a name's volume is not in it (a drive mounted later).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fimon {

struct DriveFile {
  std::string path;    // "C:/dir/f.txt"
  std::string stream;  // a named data stream ("Zone.Identifier"), empty for the file's main one
};

// "C:/d/f.txt:ads:$DATA" -> {"C:/d/f.txt", "ads"}; "C:/d/f.txt::$DATA" -> {"C:/d/f.txt", ""}.
DriveFile split_stream(std::string path);

class NtPathMap {
 public:
  // Every drive letter's device, as QueryDosDeviceW tells it now.
  static NtPathMap from_system();
  void add(std::wstring device, std::string drive);  // L"\\Device\\HarddiskVolume3", "C:"
  bool empty() const { return devices_.empty(); }

  // Null when the name is on no drive letter (a network redirector, a named pipe, a volume without
  // a letter) or is not a path at all.
  std::optional<DriveFile> to_drive_path(std::wstring_view nt_path) const;

 private:
  std::vector<std::pair<std::wstring, std::string>> devices_;
};

}  // namespace fimon
