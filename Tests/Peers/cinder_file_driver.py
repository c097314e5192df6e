"""A Cinder volume driver that keeps each volume and snapshot as a sparse file.

Cinder's FakeLoggingVolumeDriver (the one ../shared/peers/cinder.sh runs) answers
initialize_connection with an iSCSI target that does not exist, so cinder-backup hangs
attaching it. This driver answers with os-brick's `local` connector instead: the device
is a file this process owns, so the real backup service (PosixBackupDriver) reads and
writes volume data with no iSCSI, no root and no block devices. Everything else (API,
scheduler, volume manager, backup manager, database) is Cinder's own code.
"""
import os
import shutil

from oslo_config import cfg

from cinder.tests.fake_driver import FakeLoggingVolumeDriver

CONF = cfg.CONF
GiB = 1024 ** 3


class FileVolumeDriver(FakeLoggingVolumeDriver):
    def _dir(self):
        d = os.path.join(CONF.state_path, "volume-files")
        os.makedirs(d, exist_ok=True)
        return d

    def _path(self, kind, obj_id):
        return os.path.join(self._dir(), "%s-%s" % (kind, obj_id))

    def _make(self, path, size_gib, source=None):
        if source and os.path.exists(source):
            shutil.copyfile(source, path)
        with open(path, "ab") as f:
            f.truncate(max(int(size_gib or 1), 1) * GiB)  # sparse: no blocks written

    def create_volume(self, volume):
        self._make(self._path("volume", volume.id), volume.size)
        return super().create_volume(volume)

    def create_volume_from_snapshot(self, volume, snapshot):
        self._make(self._path("volume", volume.id), volume.size, self._path("snapshot", snapshot.id))

    def create_cloned_volume(self, volume, src_vol):
        self._make(self._path("volume", volume.id), volume.size, self._path("volume", src_vol.id))

    def create_snapshot(self, snapshot):
        self._make(self._path("snapshot", snapshot.id), snapshot.volume_size, self._path("volume", snapshot.volume_id))

    def delete_volume(self, volume):
        try:
            os.unlink(self._path("volume", volume.id))
        except FileNotFoundError:
            pass

    def delete_snapshot(self, snapshot):
        try:
            os.unlink(self._path("snapshot", snapshot.id))
        except FileNotFoundError:
            pass

    def extend_volume(self, volume, new_size):
        self._make(self._path("volume", volume.id), new_size)

    def validate_connector(self, connector):
        pass  # the local connector needs no initiator

    def initialize_connection(self, volume, connector):
        return {"driver_volume_type": "local",
                "data": {"device_path": self._path("volume", volume.id), "access_mode": "rw"}}

    def initialize_connection_snapshot(self, snapshot, connector, **kwargs):
        return {"driver_volume_type": "local",
                "data": {"device_path": self._path("snapshot", snapshot.id), "access_mode": "ro"}}


# Attaching a device (backup, restore) first asks os-brick for this host's connector
# properties (iSCSI initiator name, NVMe host NQN, ...) through a privsep daemon; under
# eventlet here that daemon's hand-shake blocks the whole process. The `local` connector
# needs none of those properties, so answer with the plain host facts os-brick would
# report on a host with no storage initiators.
def _local_connector_properties(multipath, enforce_multipath, host=None):
    import platform
    import socket
    return {"platform": platform.machine(), "os_type": "linux", "ip": "127.0.0.1",
            "host": host or socket.gethostname(), "multipath": False, "enforce_multipath": False}


from cinder.volume import volume_utils as _volume_utils  # noqa: E402
_volume_utils.brick_get_connector_properties = _local_connector_properties
