#!/bin/sh
# dlenv: add-user UID GID NAME HOME. Makes NAME a real user with a writable HOME and no sudo.
set -eu
uid=$1 gid=$2 name=$3 home=$4
filter() { # filter FILE AWK-CONDITION: keep the lines of FILE that match
  [ -f "$1" ] || return 0
  awk -F: -v n="$name" -v u="$uid" -v g="$gid" "$2" "$1" > "$1.dlenv" && cat "$1.dlenv" > "$1" && rm -f "$1.dlenv"
}
if [ "$uid" != 0 ]; then
  # Free the uid and the name if the base image gives them to someone else.
  filter /etc/passwd '$1 != n && $3 != u'
  filter /etc/shadow '$1 != n'
  if ! awk -F: -v g="$gid" '$3 == g { found = 1 } END { exit !found }' /etc/group; then
    filter /etc/group '$1 != n'
    filter /etc/gshadow '$1 != n'
    echo "$name:x:$gid:" >> /etc/group
  fi
  shell=/bin/sh
  [ -x /bin/bash ] && shell=/bin/bash
  echo "$name:x:$uid:$gid:dlenv user:$home:$shell" >> /etc/passwd
  if [ -f /etc/shadow ]; then echo "$name:!:1::::::" >> /etc/shadow; fi
  rm -f "/etc/sudoers.d/$name"
fi
mkdir -p "$home/.local/share/jupyter" "$home/.cache"
chown -R "$uid:$gid" "$home"
chmod 0755 "$home"
