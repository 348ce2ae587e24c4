# cmake/layers.cmake: src/ is built as one static library per folder (a
# "layer"), and each layer may include only the folders and the
# libraries its row below names.  Both rules are enforced by the
# compiler, so that docs/architecture.md's dependency rules are build
# errors rather than a promise:
#   - a layer's include path holds only the folders it may use, so a
#     header of another folder is "not found";
#   - the headers of every library a layer may NOT use are shadowed, for
#     that layer alone, by a generated header that stops the compile with
#     "#error", because system headers (OpenSSL, SQLite, libmicrohttpd
#     ...) would otherwise be found on the default path by anyone.

set(SCEPD_POISON_DIR ${CMAKE_BINARY_DIR}/poison)
# Every library a layer can be granted, with the words of its error.
set(SCEPD_LIBS OPENSSL SQLITE PQ MHD LIBCONFIG CURL JANSSON PLIST GNUTLS)

# scepd_poison(LIB TITLE HEADER...): shadow HEADERs (paths as included,
# "openssl/x509.h") in ${SCEPD_POISON_DIR}/LIB.
function(scepd_poison lib title)
	foreach(h ${ARGN})
		file(WRITE ${SCEPD_POISON_DIR}/${lib}/${h}
		    "#error \"this src/ folder may not use ${title} (<${h}>): "
		    "docs/architecture.md lists what each folder may include\"\n")
	endforeach()
endfunction()

# The headers of a library as they are included: every *.h in "subdir"
# of the directory that holds "probe", or the listed names.
function(scepd_headers out probe subdir)
	unset(SCEPD_HDR_DIR CACHE)
	find_path(SCEPD_HDR_DIR ${probe})
	set(hs "")
	if(SCEPD_HDR_DIR)
		file(GLOB names RELATIVE ${SCEPD_HDR_DIR}
		    ${SCEPD_HDR_DIR}/${subdir}*.h)
		list(APPEND hs ${names})
	endif()
	set(${out} ${hs} ${ARGN} PARENT_SCOPE)
	unset(SCEPD_HDR_DIR CACHE)
endfunction()

file(REMOVE_RECURSE ${SCEPD_POISON_DIR})
scepd_headers(h openssl/x509.h openssl/)
# opensslconf.h and configuration.h live in the multiarch directory
scepd_headers(h2 openssl/opensslconf.h openssl/)
list(APPEND h ${h2})
list(REMOVE_DUPLICATES h)
scepd_poison(OPENSSL "OpenSSL" ${h})
scepd_poison(SQLITE "SQLite" sqlite3.h sqlite3ext.h)
scepd_poison(PQ "libpq" libpq-fe.h libpq-events.h postgres_ext.h)
scepd_poison(MHD "libmicrohttpd" microhttpd.h)
scepd_poison(LIBCONFIG "libconfig" libconfig.h)
scepd_headers(h curl/curl.h curl/)
scepd_poison(CURL "libcurl" ${h})
scepd_poison(JANSSON "jansson" jansson.h jansson_config.h)
scepd_headers(h plist/plist.h plist/)
scepd_poison(PLIST "libplist" ${h})
scepd_headers(h gnutls/gnutls.h gnutls/)
scepd_poison(GNUTLS "GnuTLS" ${h})

set(SCEPD_LAYERS "")

# scepd_layer(NAME DIRS folder... LIBS lib... [SOURCES file...]):
# add_library(scepd_NAME) from src/NAME/*.c (or SOURCES), allowed to
# include src/<folder> for each folder of DIRS ("." is src/ itself) and
# the libraries of LIBS, which it links PRIVATE.
function(scepd_layer name)
	cmake_parse_arguments(L "" "" "DIRS;LIBS;SOURCES" ${ARGN})
	if(NOT L_SOURCES)
		file(GLOB L_SOURCES CONFIGURE_DEPENDS
		    ${CMAKE_SOURCE_DIR}/src/${name}/*.c)
	endif()
	add_library(scepd_${name} STATIC ${L_SOURCES})
	foreach(d ${L_DIRS})
		target_include_directories(scepd_${name} PRIVATE
		    ${CMAKE_SOURCE_DIR}/src/${d})
	endforeach()
	foreach(l ${SCEPD_LIBS})
		if(l IN_LIST L_LIBS)
			target_link_libraries(scepd_${name} PRIVATE
			    PkgConfig::${l})
		else()
			target_include_directories(scepd_${name} BEFORE PRIVATE
			    ${SCEPD_POISON_DIR}/${l})
		endif()
	endforeach()
	target_link_libraries(scepd_${name} PRIVATE Threads::Threads)
	set(SCEPD_LAYERS ${SCEPD_LAYERS} scepd_${name} PARENT_SCOPE)
endfunction()

# After every row: each layer links the layers whose folders it may
# include, so static libraries resolve in any order (CMake repeats a
# cycle such as pki <-> server as the linker needs).
function(scepd_layer_links)
	foreach(t ${SCEPD_LAYERS})
		get_target_property(dirs ${t} INCLUDE_DIRECTORIES)
		foreach(d ${dirs})
			if(d MATCHES "^${CMAKE_SOURCE_DIR}/src/?(.*)$")
				set(n ${CMAKE_MATCH_1})
				if(n STREQUAL "" OR n STREQUAL ".")
					set(n server)
				endif()
				if(NOT "scepd_${n}" STREQUAL t)
					target_link_libraries(${t} PRIVATE
					    scepd_${n})
				endif()
			endif()
		endforeach()
	endforeach()
endfunction()
