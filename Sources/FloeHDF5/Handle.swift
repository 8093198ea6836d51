internal import CHDF5

/// An HDF5 identifier that Floe opened and must close: files, datasets, dataspaces,
/// datatypes, property lists and attributes. Closed exactly once, by `deinit`.
struct Handle: ~Copyable {
  let id: hid_t

  /// Takes ownership of `id`, throwing the HDF5 error if the call that made it failed.
  init(
    _ id: hid_t, _ code: HDF5Error.Code, _ message: @autoclosure () -> String,
    file: String? = nil, object: String? = nil
  ) throws {
    self.id = try check(id, code, message(), file: file, object: object)
  }

  deinit {
    // H5Idec_ref closes any kind of identifier when its count reaches zero.
    if H5Iis_valid(id) > 0 { _ = H5Idec_ref(id) }
  }
}

/// A new property list of `classID` (one of the `floe_h5p_*` classes).
func propertyList(_ classID: hid_t) throws -> Handle {
  try Handle(H5Pcreate(classID), .library, "cannot create an HDF5 property list")
}

/// The default property list, for arguments where HDF5 takes one.
var defaultList: hid_t { floe_h5p_default() }
