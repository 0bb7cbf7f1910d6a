#!/usr/bin/env python3
"""Writes the SMBIOS (DMI) tables of a simulated Nitro instance.

Usage: smbios.py DIR INSTANCE_ID INSTANCE_TYPE

Creates DIR/smbios_entry_point and DIR/DMI in the layout the kernel exposes under
/sys/firmware/dmi/tables (an SMBIOS 3.0 entry point and the structure table), so
the real dmidecode reads them. They describe what EC2's Nitro firmware reports:

  BIOS       vendor "Amazon EC2", version "1.0"
  System     manufacturer "Amazon EC2", product name = instance type,
             serial = UUID = ec2xxxxx-... (the same value, lower case in sysfs,
             which is how cloud-init's Ec2 datasource recognizes AWS)
  Baseboard  manufacturer "Amazon EC2", asset tag = instance id
  Chassis    manufacturer "Amazon EC2", asset tag "Amazon EC2"

init.sh mounts a tmpfs on /sys/firmware (which Docker masks) and calls this
on every boot; this container has no /sys/class/dmi, so readers fall back to
dmidecode, as cloud-init does.
"""
import hashlib
import os
import struct
import sys
import uuid


def structure(kind, handle, formatted, strings):
    body = struct.pack("<BBH", kind, 4 + len(formatted), handle) + formatted
    tail = b"".join(s.encode() + b"\0" for s in strings) + b"\0"
    return body + (tail if strings else b"\0\0")


def tables(instance_id, instance_type):
    digest = hashlib.sha256(instance_id.encode()).hexdigest()
    system_uuid = uuid.UUID("ec2" + digest[3:32])
    serial = str(system_uuid)
    bios = structure(0, 0x0000, struct.pack(
        "<BBHBBQBB", 1, 2, 0xE800, 3, 0, 1 << 7 | 1 << 11 | 1 << 19, 0x01, 0x0C),
        ["Amazon EC2", "1.0", "10/16/2017"])
    system = structure(1, 0x0001, struct.pack("<BBBB", 1, 2, 3, 4) + system_uuid.bytes_le + struct.pack("<BBB", 6, 5, 0),
                       ["Amazon EC2", instance_type, "Not Specified", serial, "Not Specified"])
    board = structure(2, 0x0002, struct.pack("<BBBBBBBHBB", 1, 2, 3, 4, 5, 0x01, 0, 0x0003, 0x0A, 0),
                      ["Amazon EC2", "Not Specified", "Not Specified", "Not Specified", instance_id])
    chassis = structure(3, 0x0003, struct.pack("<BBBBBBBBBIBBBB", 1, 0x01, 0, 0, 2, 3, 3, 3, 2, 0, 0, 0, 0, 0),
                        ["Amazon EC2", "Amazon EC2"])
    end = structure(127, 0x0004, b"", [])
    table = bios + system + board + chassis + end
    entry = bytearray(struct.pack("<5sBBBBBBBIQ", b"_SM3_", 0, 0x18, 3, 0, 0, 1, 0, len(table), 0))
    entry[5] = (-sum(entry)) & 0xFF
    return bytes(entry), table


if __name__ == "__main__":
    out, instance_id, instance_type = sys.argv[1:4]
    entry, table = tables(instance_id, instance_type)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "smbios_entry_point"), "wb") as f:
        f.write(entry)
    with open(os.path.join(out, "DMI"), "wb") as f:
        f.write(table)
