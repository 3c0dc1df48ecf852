# Builds and installs libsamtykke, the C library of samtykke: the headers, the
# shared and static libraries and a pkg-config file.
#
#     make install PREFIX=/usr/local        (DESTDIR is honoured for packaging)
#     make uninstall PREFIX=/usr/local
#
# Then: cc app.c $(pkg-config --cflags --libs samtykke)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
CARGO ?= cargo
CARGO_TARGET_DIR ?= target

# The workspace version ([workspace.package] in Cargo.toml).
VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' Cargo.toml | head -n1)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
MINOR := $(word 2,$(subst ., ,$(VERSION)))
# Before 1.0 a minor version may change the ABI (as ffi/build.rs sets the SONAME).
SOVERSION := $(if $(filter 0,$(MAJOR)),0.$(MINOR),$(MAJOR))
# What the static library needs besides itself (rustc --print native-static-libs).
PRIVATE_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

BUILT := $(CARGO_TARGET_DIR)/release

.PHONY: all lib install uninstall
all: lib

lib:
	$(CARGO) build --release --locked -p samtykke-ffi

install: lib
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/samtykke.h include/samtykke_php.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 755 $(BUILT)/libsamtykke_ffi.so $(DESTDIR)$(LIBDIR)/libsamtykke.so.$(VERSION)
	ln -sf libsamtykke.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsamtykke.so.$(SOVERSION)
	ln -sf libsamtykke.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libsamtykke.so
	install -m 644 $(BUILT)/libsamtykke_ffi.a $(DESTDIR)$(LIBDIR)/libsamtykke.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@PRIVATE_LIBS@|$(PRIVATE_LIBS)|' ffi/samtykke.pc.in \
	    > $(DESTDIR)$(PKGCONFIGDIR)/samtykke.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/samtykke.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/samtykke.h $(DESTDIR)$(INCLUDEDIR)/samtykke_php.h
	rm -f $(DESTDIR)$(LIBDIR)/libsamtykke.so $(DESTDIR)$(LIBDIR)/libsamtykke.so.$(SOVERSION)
	rm -f $(DESTDIR)$(LIBDIR)/libsamtykke.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsamtykke.a
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/samtykke.pc
