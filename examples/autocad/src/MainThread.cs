using System;
using System.Collections.Concurrent;
using AcApp = Autodesk.AutoCAD.ApplicationServices.Application;

namespace Renderiq.AutoCad
{
    /// <summary>
    /// Runs actions on AutoCAD's main thread. AutoCAD's API may only be used from that thread,
    /// and the Renderiq tasks complete on pool threads: they <see cref="Post"/> their follow-up
    /// here, and the <see cref="AcApp.Idle"/> event (raised on the main thread whenever AutoCAD
    /// has nothing to do) drains the queue.
    /// </summary>
    internal static class MainThread
    {
        private static readonly ConcurrentQueue<Action> Queue = new ConcurrentQueue<Action>();
        private static readonly object Gate = new object();
        private static bool _subscribed;

        /// <summary>Queues <paramref name="action"/> for the main thread. Any thread.</summary>
        public static void Post(Action action)
        {
            Queue.Enqueue(action);
            lock (Gate)
            {
                if (_subscribed) return;
                // Subscribing from a pool thread is fine; the handler runs on the main thread.
                AcApp.Idle += OnIdle;
                _subscribed = true;
            }
        }

        private static void OnIdle(object sender, EventArgs e)
        {
            lock (Gate)
            {
                // Stay subscribed only while there is work: an idle handler costs every idle tick.
                if (Queue.IsEmpty)
                {
                    AcApp.Idle -= OnIdle;
                    _subscribed = false;
                    return;
                }
            }
            Action action;
            while (Queue.TryDequeue(out action))
            {
                try
                {
                    action();
                }
                catch (Exception ex)
                {
                    var doc = AcApp.DocumentManager.MdiActiveDocument;
                    if (doc != null) doc.Editor.WriteMessage("\nRenderiq: " + ex.Message + "\n");
                }
            }
        }
    }
}
