"""The same reductions as `floe reduce`, done the ways climate scientists do them today.

    python peer.py ENGINE OP INPUT OUTPUT

ENGINE: numpy (h5py + numpy, streaming over time chunks), mpi (mpi4py + parallel h5py, run
under mpirun), xarray (xarray + dask, threads), distributed (dask.distributed, two local
workers on 127.0.0.1), dask-mpi (dask-mpi under mpirun -np 4: scheduler, client, two workers,
on the loopback interface). OP: mean std fldmean ymonmean p95, over the variable tas(time,
lat, lon) of a `floe gen` file (float32, _FillValue 1e20, days since 2000-01-01, standard
calendar). Used by scripts/bench-peers.sh; each writes its result so the work cannot be skipped.
"""

import sys

import numpy as np

FILL = np.float32(1e20)


def months_of(days):
    """Month (1..12) of each time value in days since 2000-01-01, standard calendar."""
    dates = np.datetime64("2000-01-01") + np.asarray(days).astype("timedelta64[D]")
    return dates.astype("datetime64[M]").astype(int) % 12 + 1


def write(path, name, values):
    import h5py

    with h5py.File(path, "w") as out:
        out[name] = values


def numpy_engine(op, path, output, comm=None):
    """Chunk by chunk along time; with `comm`, each rank takes a contiguous share."""
    import h5py

    kwargs = {"driver": "mpio", "comm": comm} if comm is not None else {}
    rank, size = (comm.rank, comm.size) if comm is not None else (0, 1)
    with h5py.File(path, "r", **kwargs) as f:
        tas = f["tas"]
        steps, ny, nx = tas.shape
        step = tas.chunks[0] if tas.chunks else 24
        chunks = (steps + step - 1) // step
        mine = range(chunks * rank // size, chunks * (rank + 1) // size)
        if op == "p95":
            # Every value of a point: bands of latitude rows, all time steps.
            rows = range(ny * rank // size, ny * (rank + 1) // size)
            band = max(1, (256 << 20) // (steps * nx * 4))
            result = np.empty((len(rows), nx), dtype=np.float32)
            for j in range(rows.start, rows.stop, band):
                block = tas[:, j : min(j + band, rows.stop), :]
                block = np.where(block == FILL, np.nan, block)
                result[j - rows.start : j - rows.start + block.shape[1]] = np.nanpercentile(
                    block, 95, axis=0
                )
            gathered = comm.gather(result, root=0) if comm is not None else [result]
            if rank == 0:
                write(output, "tas", np.concatenate(gathered))
            return
        months = months_of(f["time"][:]) if op == "ymonmean" else None
        lat = f["lat"][:]
        weights = np.cos(np.deg2rad(lat))[:, None] * np.ones(nx)
        groups = 12 if op == "ymonmean" else 1
        total = np.zeros((groups, ny, nx))
        squares = np.zeros((ny, nx))
        count = np.zeros((groups, ny, nx))
        field = np.zeros(steps)  # each rank fills its own steps; the sum joins them
        for c in mine:
            block = tas[c * step : min(steps, (c + 1) * step)]
            valid = block != FILL
            values = np.where(valid, block, 0).astype(np.float64)
            if op == "fldmean":
                w = weights * valid
                field[c * step : c * step + len(block)] = (values * w).sum(axis=(1, 2)) / w.sum(
                    axis=(1, 2)
                )
            elif op == "ymonmean":
                for m in np.unique(months[c * step : c * step + len(block)]):
                    sel = months[c * step : c * step + len(block)] == m
                    total[m - 1] += values[sel].sum(axis=0)
                    count[m - 1] += valid[sel].sum(axis=0)
            else:
                total[0] += values.sum(axis=0)
                count[0] += valid.sum(axis=0)
                if op == "std":
                    squares += (values * values).sum(axis=0)
        if comm is not None:
            from mpi4py import MPI

            for array in (total, count, squares, field):
                comm.Allreduce(MPI.IN_PLACE, array)
        if rank != 0:
            return
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / count
            if op == "std":
                result = np.sqrt(squares / count[0] - mean[0] ** 2)
            elif op == "fldmean":
                result = field
            else:
                result = mean if op == "ymonmean" else mean[0]
        write(output, "tas", result.astype(np.float32))


def xarray_result(op, path):
    import xarray as xr

    ds = xr.open_dataset(path, chunks={"time": 24})
    tas = ds["tas"]
    if op == "mean":
        return tas.mean("time")
    if op == "std":
        return tas.std("time")
    if op == "fldmean":
        return tas.weighted(np.cos(np.deg2rad(ds["lat"]))).mean(("lat", "lon"))
    if op == "ymonmean":
        return tas.groupby("time.month").mean("time")
    if op == "p95":
        return tas.chunk({"time": -1, "lat": 8}).quantile(0.95, "time")
    raise SystemExit(f"peer.py: unknown operation {op}")


def main():
    engine, op, path, output = sys.argv[1:5]
    if engine == "numpy":
        numpy_engine(op, path, output)
    elif engine == "mpi":
        from mpi4py import MPI

        numpy_engine(op, path, output, MPI.COMM_WORLD)
    elif engine == "xarray":
        xarray_result(op, path).to_netcdf(output)
    elif engine == "distributed":
        from dask.distributed import Client, LocalCluster

        with LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster, Client(cluster):
            xarray_result(op, path).compute().to_netcdf(output)
    elif engine == "dask-mpi":
        import dask_mpi
        from dask.distributed import Client

        # Rank 0 runs the scheduler and ranks 2... the workers, and they exit there;
        # rank 1 goes on as this client.
        dask_mpi.initialize(interface="lo", dashboard=False, nthreads=1)
        with Client():
            xarray_result(op, path).compute().to_netcdf(output)
    else:
        raise SystemExit(f"peer.py: unknown engine {engine}")


if __name__ == "__main__":
    main()
