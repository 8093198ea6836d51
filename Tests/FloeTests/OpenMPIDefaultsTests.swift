import Floe
import XCTest

/// Floe names Open MPI's `ob1` layer only where Open MPI would choose it anyway and nobody
/// chose otherwise: never over a site's or a user's setting, never on a node with a fabric.
final class OpenMPIDefaultsTests: XCTestCase {
  /// Debian's own /etc/openmpi/openmpi-mca-params.conf (openmpi-common 4.1.4).
  let debian = """
    # This is the default system-wide MCA parameters defaults file.
    btl_base_warn_component_unused=0
    mtl = ^ofi
    btl = ^uct,openib,ofi
    pml = ^ucx
    osc = ^ucx,pt2pt
    """

  func pml(
    _ environment: [String: String] = [:], files: [String] = [], devices: [String] = []
  ) -> String? {
    OpenMPIDefaults.pml(environment: environment, parameterFiles: files, fabricDevices: devices)
  }

  func testNamesOb1OnANodeWithoutFabricWhereNothingChoseAPML() {
    XCTAssertEqual(pml(), "ob1")
    XCTAssertEqual(pml(files: [debian]), "ob1")
    // mpirun's --mca settings of other frameworks arrive as OMPI_MCA_ variables.
    XCTAssertEqual(pml(["OMPI_MCA_btl_tcp_if_include": "lo"], files: [debian]), "ob1")
    XCTAssertEqual(pml(files: ["# pml = cm\n  # mtl = psm2"]), "ob1")
    XCTAssertEqual(pml(["OMPI_MCA_pml": "^ucx,cm"]), "ob1")
  }

  func testLeavesAUserOrSiteChoiceAlone() {
    XCTAssertNil(pml(["OMPI_MCA_pml": "cm"], files: [debian]))
    XCTAssertNil(pml(["OMPI_MCA_pml": "ob1"]))
    XCTAssertNil(pml(["OMPI_MCA_mtl": "psm2"]))
    XCTAssertNil(pml(["OMPI_MCA_pml_base_verbose": "10"]))
    XCTAssertNil(pml(files: [debian, "pml = cm"]))
    XCTAssertNil(pml(files: ["  mtl_ofi_provider_include = cxi  "]))
    XCTAssertNil(pml(files: ["pml = ^ob1,ucx"]), "an exclusion of ob1 itself")
    XCTAssertNil(pml(files: ["mtl=psm2"]))
  }

  func testLeavesANodeWithAFabricToOpenMPI() {
    XCTAssertNil(pml(files: [debian], devices: ["/sys/class/infiniband/mlx5_0"]))
    XCTAssertNil(pml(devices: ["/dev/hfi1_0"]))
    XCTAssertNil(pml(devices: ["/dev/cxi0"]))
  }
}
