#!/bin/bash
# Builds a base image's qcow2 from Debian packages: mmdebstrap into a directory, an ext4 file
# system made from it (mkfs.ext4 -d), one MBR partition on a raw disk and GRUB for BIOS boot
# written into the disk file, then qemu-img. No loop device and no mount, so it runs in a
# container too. Run as root (mmdebstrap --mode=root); inputs come as environment variables:
#   BASE_SUITE, BASE_SOURCES (one "deb ..." line per line), BASE_PACKAGES (comma-separated),
#   BASE_SETUP (file run in the root file system), BASE_DISK_GIB, BASE_KERNEL_ARGUMENTS,
#   BASE_WORK (an empty scratch directory), BASE_OUTPUT (the qcow2 to write).
set -euo pipefail

: "${BASE_SUITE:?}" "${BASE_SOURCES:?}" "${BASE_PACKAGES:?}" "${BASE_SETUP:?}" "${BASE_DISK_GIB:?}"
: "${BASE_WORK:?}" "${BASE_OUTPUT:?}"
kernel_arguments=${BASE_KERNEL_ARGUMENTS:-}

root="$BASE_WORK/root"
disk="$BASE_WORK/disk.raw"
filesystem="$BASE_WORK/root.ext4"
uuid=$(cat /proc/sys/kernel/random/uuid)
stage() { echo "base-image: $*" >&2; }

stage "installing packages with mmdebstrap ($BASE_SUITE)"
sources=()
while IFS= read -r line; do
    [[ -n $line ]] && sources+=("$line")
done <<<"$BASE_SOURCES"
mmdebstrap --mode=root --variant=apt --format=directory --components=main \
    --aptopt='APT::Install-Recommends "false"' \
    --include="$BASE_PACKAGES" \
    --customize-hook='chroot "$1" /bin/bash -euo pipefail -s < '"$(printf '%q' "$BASE_SETUP")" \
    "$BASE_SUITE" "$root" "${sources[@]}"

stage "writing fstab and the boot loader's configuration (root UUID $uuid)"
printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$uuid" > "$root/etc/fstab"
install -d "$root/boot/grub/i386-pc"
cp "$root"/usr/lib/grub/i386-pc/*.mod "$root"/usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
# /vmlinuz and /initrd.img are the symlinks the kernel package keeps current, so a kernel
# upgrade inside the guest boots without regenerating this file. No menu wait: a desktop has one
# entry, nobody at its console, and under emulation the one-second countdown took 1.4 s.
cat > "$root/boot/grub/grub.cfg" <<CFG
set timeout=0
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
search --no-floppy --fs-uuid --set=root $uuid
menuentry 'Debian GNU/Linux' {
    linux /vmlinuz root=UUID=$uuid ro $kernel_arguments
    initrd /initrd.img
}
CFG
cat > "$root/tmp/heps-early.cfg" <<CFG
search --no-floppy --fs-uuid --set=root $uuid
set prefix=(\$root)/boot/grub
CFG
install -d "$BASE_WORK/grub"
cp "$root/usr/lib/grub/i386-pc/boot.img" "$BASE_WORK/grub/"
chroot "$root" grub-mkimage -O i386-pc -d /usr/lib/grub/i386-pc -p /boot/grub -o /tmp/heps-core.img \
    -c /tmp/heps-early.cfg biosdisk part_msdos ext2 search search_fs_uuid normal
mv "$root/tmp/heps-core.img" "$BASE_WORK/grub/core.img"
rm -f "$root/tmp/heps-early.cfg"

stage "making the file system and the disk (${BASE_DISK_GIB} GiB)"
size_mib=$((BASE_DISK_GIB * 1024))
mkfs.ext4 -q -F -L heps-root -U "$uuid" -d "$root" "$filesystem" "$((size_mib - 1))M"
truncate -s "${size_mib}M" "$disk"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$disk"
dd if="$filesystem" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$filesystem"
# GRUB for BIOS as grub-bios-setup would write it, without a block device to probe: boot.img's
# code into the MBR (its partition table and disk signature stay), its drive check replaced by
# NOPs as for a hard disk, and core.img into the gap before the partition. boot.img loads
# sector 1 and core.img's first sector lists the rest from sector 2, both by default.
core_sectors=$(( ($(stat -c %s "$BASE_WORK/grub/core.img") + 511) / 512 ))
((core_sectors < 2047)) || { echo "core.img does not fit before the partition" >&2; exit 1; }
dd if="$BASE_WORK/grub/boot.img" of="$disk" bs=440 count=1 conv=notrunc status=none
printf '\x90\x90' | dd of="$disk" bs=1 seek=$((0x66)) conv=notrunc status=none
dd if="$BASE_WORK/grub/core.img" of="$disk" bs=512 seek=1 conv=notrunc status=none

# Compressed: about a third of the size to keep and to upload to Glance; QEMU reads it as it is.
stage "converting to a compressed qcow2"
qemu-img convert -c -O qcow2 "$disk" "$BASE_OUTPUT"
rm -f "$disk"
