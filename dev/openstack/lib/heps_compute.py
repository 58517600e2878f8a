"""Starts nova-compute with a fake driver whose snapshots hold data.

Nova's fake driver takes a snapshot without uploading anything, so the image stays "queued"
in Glance and nothing can boot from it. Here the snapshot uploads a small raw disk, as a real
driver uploads the guest's disk, and the image becomes "active" (image builds and unshelve
then work end to end).
"""
import io
import sys

from nova.cmd import compute  # noqa: first, so that eventlet patches everything imported after
from nova.image import glance
from nova.virt import fake

SNAPSHOT_DISK = b"\0" * (1024 * 1024)
_take_snapshot = fake.FakeDriver.snapshot


def snapshot_with_disk(self, context, instance, image_id, update_task_state):
    _take_snapshot(self, context, instance, image_id, update_task_state)
    glance.API().update(context, image_id, {"disk_format": "raw", "container_format": "bare"},
                        data=io.BytesIO(SNAPSHOT_DISK), purge_props=False)


fake.FakeDriver.snapshot = snapshot_with_disk

if __name__ == "__main__":
    sys.argv[0] = "nova-compute"
    sys.exit(compute.main())
