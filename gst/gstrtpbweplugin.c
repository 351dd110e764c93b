/* GStreamer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstrtpbwe.h"
#include "gstrtpbweadapt.h"
#include "gstrtphdrextabssendtime.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (rtpbwe, plugin);
  ret |= GST_ELEMENT_REGISTER (rtpbweadapt, plugin);
  ret |= GST_ELEMENT_REGISTER (rtphdrextabssendtime, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, rtpbwe,
    "Receiver-side bandwidth estimation (GCC, REMB, TWCC), the sender's "
    "REMB adaptation and the abs-send-time RTP header extension", plugin_init,
    VERSION, "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
