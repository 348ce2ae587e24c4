# cmake/install.cmake: what "make install" (cmake --install) puts where,
# besides the binary (CMakeLists.txt): the man pages, the systemd unit, its
# sysusers.d entry, the sample configuration and the operator documents.
# DESTDIR and the prefix (CMAKE_INSTALL_PREFIX, or "cmake --install
# --prefix") are honoured.  The unit names the installed binary, so it is
# written at install time, when --prefix is known.
# tests/integration/service.sh installs into a temporary root and checks it.

set(SCEPD_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "systemd system unit directory (relative to the prefix, or absolute)")
set(SCEPD_SYSUSERSDIR "lib/sysusers.d" CACHE STRING
    "sysusers.d directory (relative to the prefix, or absolute)")

install(FILES man/scepd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES man/scepd.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES contrib/scepd.conf.sample
    DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md docs/configuration.md docs/deployment.md
    docs/events.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES contrib/scepd.sysusers DESTINATION ${SCEPD_SYSUSERSDIR}
    RENAME scepd.conf)

# contrib/scepd.service says /usr/bin/scepd; the copy installed says where
# this install put the binary.
install(CODE "
	set(_bindir \"${CMAKE_INSTALL_BINDIR}\")
	if(NOT IS_ABSOLUTE \"\${_bindir}\")
		set(_bindir \"\${CMAKE_INSTALL_PREFIX}/\${_bindir}\")
	endif()
	file(READ \"${CMAKE_SOURCE_DIR}/contrib/scepd.service\" _unit)
	string(REPLACE \"/usr/bin/scepd\" \"\${_bindir}/scepd\" _unit
	    \"\${_unit}\")
	file(WRITE \"${CMAKE_BINARY_DIR}/scepd.service\" \"\${_unit}\")
")
install(FILES ${CMAKE_BINARY_DIR}/scepd.service
    DESTINATION ${SCEPD_SYSTEMD_UNITDIR})
